#!/usr/bin/env python3
"""Bounded smoke run of the revocation fuzz target (tests/fuzz/revoke_fuzz.c), one
`ok`/`not ok` line (a crash, sanitizer report, leak or broken promise is a failure):
  revoke-fuzz  build/fuzz/revoke_fuzz, seeded with operation sequences that insert,
               derive chains, copy and move derived caps to the other table, revoke at
               several levels, release and tear tables down; 8 s
               (CAPOS_REVOKE_FUZZ_SECONDS, keep <= 60 s on the shared machines).
Operations are byte pairs: (op, arg), op bit 0 = table, bits 1..3 = insert, derive,
derive, revoke, release, copy, move, clear (arg & 7 == 0); arg = the slot."""
import os
import sys

from libfuzzer import ROOT, run_smoke

FUZZER = os.path.join(ROOT, "build", "fuzz", "revoke_fuzz")
SECONDS = int(os.environ.get("CAPOS_REVOKE_FUZZ_SECONDS", "8"))

INSERT, DERIVE, REVOKE, RELEASE, COPY, MOVE, CLEAR = 0, 1, 3, 4, 5, 6, 7


def op(kind, table, slot):
    return bytes([(kind << 1) | table, slot])


def seeds():
    chain = op(INSERT, 0, 0) + b"".join(op(DERIVE, 0, s) for s in range(0, 7))
    return {
        "chain-revoke": chain + op(REVOKE, 0, 1) + op(REVOKE, 0, 0) + op(RELEASE, 0, 3),
        "copy-revoke": (op(INSERT, 0, 0) + op(DERIVE, 0, 0) + op(COPY, 0, 1) +
                        op(COPY, 1, 0) + op(REVOKE, 0, 0) + op(RELEASE, 1, 1)),
        "move-death": (op(INSERT, 0, 0) + op(DERIVE, 0, 0) + op(DERIVE, 0, 1) +
                       op(MOVE, 0, 1) + op(CLEAR, 1, 0) + op(REVOKE, 0, 0)),
        "depth": op(INSERT, 1, 0) + b"".join(op(DERIVE, 1, s) for s in range(8)),
    }


if __name__ == "__main__":
    sys.exit(run_smoke("revoke-fuzz", FUZZER, SECONDS, 512,
                       "revocation sequences over two tables", seeds()))
