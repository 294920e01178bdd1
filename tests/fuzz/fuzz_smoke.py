#!/usr/bin/env python3
"""Bounded libFuzzer run of build/fuzz/capnp_reader (a `make test` suite).

Runs the fuzzer for FUZZ_SECONDS (default 30; `make fuzz` passes 600) over the
checked-in seed corpus tests/fuzz/corpus/capnp_reader (read-only: new inputs go to a
temporary directory) through tests/fuzz/libfuzzer.py, which prints one `ok`/`not ok`
line and keeps a crash input under build/fuzz/findings/.
"""
import os
import sys

from libfuzzer import ROOT, run_smoke

FUZZER = os.path.join(ROOT, "build/fuzz/capnp_reader")
SEEDS = os.path.join(ROOT, "tests/fuzz/corpus/capnp_reader")


def main():
    secs = int(os.environ.get("FUZZ_SECONDS", "30"))
    return run_smoke("capnp-fuzz:reader", FUZZER, secs, 16384,
                     "reader walk, canonical fixed point and pack round trip hold",
                     seed_dirs=[SEEDS])


if __name__ == "__main__":
    sys.exit(main())
