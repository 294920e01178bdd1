#!/usr/bin/env python3
"""Bounded smoke run of build/fuzz/manifest_fuzz (the kernel's boot-manifest decoder),
one `ok`/`not ok` line: seeded with the real boot module build/manifest.bin and the
image-less build/system/minimal.bin (copied into a temporary corpus, so the fuzzer
never writes the build outputs); CAPOS_MANIFEST_FUZZ_SECONDS (default 8, keep <= 60).
A crash, sanitizer report or broken property (abort) is a failure; the input is kept
under build/fuzz/findings/."""
import os
import sys

from libfuzzer import ROOT, run_smoke

FUZZER = os.path.join(ROOT, "build", "fuzz", "manifest_fuzz")
SEEDS = [os.path.join(ROOT, "build", "manifest.bin"),
         os.path.join(ROOT, "build", "system", "minimal.bin")]
SECONDS = int(os.environ.get("CAPOS_MANIFEST_FUZZ_SECONDS", "8"))


def main():
    seeds = {}
    for i, path in enumerate(SEEDS):
        if not os.path.exists(path):
            print(f"not ok manifest-fuzz - {path} not built")
            return 1
        with open(path, "rb") as f:
            seeds[f"seed{i}"] = f.read()
    return run_smoke("manifest-fuzz", FUZZER, SECONDS, 131072,
                     "boot-manifest decoder keeps its view invariants", seeds=seeds)


if __name__ == "__main__":
    sys.exit(main())
