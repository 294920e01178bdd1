#!/usr/bin/env python3
"""Bounded smoke run of the WFQ run-queue fuzz target (tests/fuzz/wfq_fuzz.c), one
`ok`/`not ok` line (a crash, sanitizer report or model disagreement is a failure):
  wfq-fuzz  build/fuzz/wfq_fuzz, seeded with operation sequences that queue, pick,
            charge, reweight, block and hand off, starting at min_vruntime 0 and just
            below 2^64; 8 s (CAPOS_WFQ_FUZZ_SECONDS, keep <= 30 s on shared machines).
Input: 8 bytes of starting min_vruntime (little endian), then (op, a, b) triples, op
modulo 8 = enqueue, dequeue, pick, charge, weight, block, handoff, switch; a = entity
(or the charge factor, 255 = the largest), b = weight or charge factor (switch: to
entity a, or to idle when b is odd, charging a * b * 100 us)."""
import os
import struct
import sys

from libfuzzer import ROOT, run_smoke

FUZZER = os.path.join(ROOT, "build", "fuzz", "wfq_fuzz")
SECONDS = int(os.environ.get("CAPOS_WFQ_FUZZ_SECONDS", "8"))

ENQ, DEQ, PICK, CHARGE, WEIGHT, BLOCK, HANDOFF, SWITCH = range(8)


def ops(*triples):
    return b"".join(bytes(t) for t in triples)


def seeds():
    churn = ops(*[(ENQ, i, 0) for i in range(8)], (PICK, 0, 0), (CHARGE, 40, 9),
                (ENQ, 0, 0), (PICK, 0, 0), (DEQ, 3, 0), (WEIGHT, 5, 200),
                (BLOCK, 0, 0), (HANDOFF, 2, 0), (CHARGE, 255, 1), (ENQ, 2, 0))
    return {
        "zero": struct.pack("<Q", 0) + churn,
        "wrap": struct.pack("<Q", 2**64 - 2**36) + churn,
        "handoff": struct.pack("<Q", 7) + ops((HANDOFF, 1, 0), (CHARGE, 9, 9), (BLOCK, 0, 0),
                                              (HANDOFF, 1, 0), (ENQ, 1, 0), (PICK, 0, 0)),
        "switch": struct.pack("<Q", 2**64 - 2**20) + ops(
            (SWITCH, 1, 2), (SWITCH, 3, 4), (ENQ, 1, 0), (SWITCH, 255, 1), (PICK, 0, 0),
            (SWITCH, 2, 7), (SWITCH, 5, 6), (WEIGHT, 5, 3), (SWITCH, 1, 8)),
    }


if __name__ == "__main__":
    sys.exit(run_smoke("wfq-fuzz", FUZZER, SECONDS, 768,
                       "WFQ run-queue operation sequences against the reference model",
                       seeds()))
