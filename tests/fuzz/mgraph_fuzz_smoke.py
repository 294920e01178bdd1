#!/usr/bin/env python3
"""Bounded smoke run of build/fuzz/mgraph_fuzz (lib/manifest: decode + validate and the
overlay merge), one `ok`/`not ok` line: seeded with the boot module, the default system,
the focused graph system/tests/graph.capnp and the overlay-test base (copied into a
temporary corpus); CAPOS_MGRAPH_FUZZ_SECONDS (default 8, keep <= 60). A crash, sanitizer
report or broken property (abort) is a failure; the input is kept under
build/fuzz/findings/."""
import os
import sys

from libfuzzer import ROOT, run_smoke

FUZZER = os.path.join(ROOT, "build", "fuzz", "mgraph_fuzz")
SEEDS = [os.path.join(ROOT, "build", "manifest.bin"),
         os.path.join(ROOT, "build", "system", "system.bin"),
         os.path.join(ROOT, "build", "system", "tests", "graph.bin"),
         os.path.join(ROOT, "build", "tests", "mgraph", "base.bin")]
SECONDS = int(os.environ.get("CAPOS_MGRAPH_FUZZ_SECONDS", "8"))


def main():
    seeds = {}
    for i, path in enumerate(SEEDS):
        if not os.path.exists(path):
            print(f"not ok mgraph-fuzz - {path} not built")
            return 1
        with open(path, "rb") as f:
            seeds[f"seed{i}"] = f.read()
    return run_smoke("mgraph-fuzz", FUZZER, SECONDS, 131072,
                     "lib/manifest decode+validate+merge keep their invariants", seeds=seeds)


if __name__ == "__main__":
    sys.exit(main())
