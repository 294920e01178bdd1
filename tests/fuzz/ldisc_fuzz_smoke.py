#!/usr/bin/env python3
"""Bounded smoke run of build/fuzz/ldisc_fuzz (the terminal line discipline), one
`ok`/`not ok` line: seeded with typed sessions in each mode (editing, CRLF, Ctrl-C/D/U,
UTF-8, escape sequences, an over-long line); CAPOS_LDISC_FUZZ_SECONDS (default 5, keep
<= 60). A crash, sanitizer report or broken invariant (abort) is a failure; the input is
kept under build/fuzz/findings/."""
import os
import sys

from libfuzzer import ROOT, run_smoke

FUZZER = os.path.join(ROOT, "build", "fuzz", "ldisc_fuzz")
SECONDS = int(os.environ.get("CAPOS_LDISC_FUZZ_SECONDS", "5"))
SESSION = (b"ls -l\r\nab\x08\x7fc\r\x03x\x04\r\x04secret\x15ok\n"
           b"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x08\r\x1b[A\x1bOP\x1b[3~\x1bx\x80\xed\xa0\x80\r")
SEEDS = {
    "canon": b"\x00" + SESSION,
    "hidden": b"\x01" + SESSION,
    "raw": b"\x02" + SESSION,
    "long": b"\x00" + b"x" * 300 + b"\x08\xe2\x82\xac\r",
}


def main():
    return run_smoke("ldisc-fuzz", FUZZER, SECONDS, 4096,
                     "line discipline keeps its bounds, echo and clean-line invariants",
                     seeds=SEEDS)


if __name__ == "__main__":
    sys.exit(main())
