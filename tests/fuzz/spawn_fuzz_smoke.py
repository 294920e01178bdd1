#!/usr/bin/env python3
"""Bounded smoke run of build/fuzz/spawn_fuzz (the spawn request decoder), one `ok` /
`not ok` line. The boot module is the spawn test manifest (SPAWN_FUZZ_MODULE); the
seeds are small recipes (even first byte: requests built from the recipe; odd: raw
framed bytes). CAPOS_SPAWN_FUZZ_SECONDS (default 8, keep <= 60). A crash, sanitizer
report or broken property (abort) is a failure; the input is kept under
build/fuzz/findings/."""
import os
import sys

from libfuzzer import ROOT, run_smoke

FUZZER = os.path.join(ROOT, "build", "fuzz", "spawn_fuzz")
MODULE = os.path.join(ROOT, "build", "tests", "qemu", "spawn", "spawntest.manifest")
SECONDS = int(os.environ.get("CAPOS_SPAWN_FUZZ_SECONDS", "8"))

SEEDS = {
    # no grants, no caps: a plain spawnchild
    "plain": bytes([0, 0, 1, 0, 0, 0]),
    # a console kernel grant, then held cap 0 copied, with one cap sent
    "grants": bytes([0, 1, 1, 0, 0, 2, 0x80, 0, 0, 0, 1, 0x01, 0, 1, 0, 0]),
    # a named profile, an endpoint grant with Console's interface
    "export": bytes([0, 0, 1, 0, 3, 1, 0x82, 0, 1, 5, 6]),
    # one raw endpoint sent (second byte 0x45: 1 cap, of the endpoint kind), granted
    # to the child as a clientFacet "svc" of Console's interface
    "facet": bytes([0, 0x45, 1, 0, 0, 1, 2, 2, 1, 7, 0]),
    # raw bytes: an empty framed message
    "raw": bytes([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
}


def main():
    if not os.path.exists(MODULE):
        print(f"not ok spawn-fuzz - {MODULE} not built")
        return 1
    os.environ["SPAWN_FUZZ_MODULE"] = MODULE
    return run_smoke("spawn-fuzz", FUZZER, SECONDS, 4096,
                     "spawn request decoder keeps its plan invariants", seeds=SEEDS)


if __name__ == "__main__":
    sys.exit(main())
