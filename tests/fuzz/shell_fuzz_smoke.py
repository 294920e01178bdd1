#!/usr/bin/env python3
"""Bounded smoke run of build/fuzz/shell_fuzz (the capos-shell command-line parser), one
`ok`/`not ok` line: seeded with every command, grant lists (copy, client, empty,
hostile: badge, duplicates, unknown caps, unterminated brace and quote) and garbage;
CAPOS_SHELL_FUZZ_SECONDS (default 5, keep <= 30). A crash, sanitizer report or broken
invariant (abort) is a failure; the input is kept under build/fuzz/findings/."""
import os
import sys

from libfuzzer import ROOT, run_smoke

FUZZER = os.path.join(ROOT, "build", "fuzz", "shell_fuzz")
SECONDS = int(os.environ.get("CAPOS_SHELL_FUZZ_SECONDS", "5"))
SEEDS = {
    "help": b"help run",
    "run": b'run hello with { stdio: client @stdio, t: @timer, c: @console }',
    "spawn": b'spawn "hello" with {}',
    "kill": b"kill 12",
    "echo": b'echo a "b \\"c\\" \\\\" {',
    "badge": b"run x with { s: client @stdio badge 200 }",
    "dup": b"run x with { a: @timer, a: @console }",
    "unknown": b"run x with { a: @nosuch }",
    "brace": b"run x with { a: @timer",
    "quote": b'echo "abc',
    "garbage": b"echo \x01\xff\x1b[A\xc3\xa9\x00",
}


def main():
    return run_smoke("shell-fuzz", FUZZER, SECONDS, 512,
                     "shell parser keeps its bounds, names and one-line errors",
                     seeds=SEEDS)


if __name__ == "__main__":
    sys.exit(main())
