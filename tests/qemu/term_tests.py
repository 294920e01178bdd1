#!/usr/bin/env python3
"""TerminalSession over COM2 (kernel/cap/terminal.c, COM2 receive in
kernel/arch/x86_64/uart.c; docs/terminal.md), driven through the scripted COM2 of
harness.Terminal.

Boots the focused manifest system/tests/term.capnp: init is user/termtest, holding the
terminal twice, a Timer and a ProcessSpawner.

  term-suite  one boot per CPU count (-smp 1, 2, 4). Every COM2 byte from the first prompt on is checked
              exactly (prompts, echo, results), so the echo of each step is exact:
                line       "hello world" CR: echoed, read as the line
                edit       "helo" DEL DEL "lp": "\\b \\b" per erase, read as "help"
                hidden     a password at a hidden read: only "\\r\\n" echoed, the line
                           matches in termtest; the password text appears nowhere on
                           COM2 or COM1
                interrupt  "partial" Ctrl-C: "^C\\r\\n", event interrupt
                eof        Ctrl-D at line start: no echo, event eof
                long       300 'a' + CR: 256 echoed then 44 bells, line of 256,
                           truncated
                garbage    "ab" ^A ^B 0xff ESC[A "cd" CR: echo "abcd", dropped 3
                key        Ctrl-C and 'q' at readKey: raw bytes 3 and 113, no echo
                typeahead  "early" CR and "one" CR LF "two" CR typed while termtest
                           sleeps (sent before it wakes): nothing echoed until the
                           reads start, the first read is ready in the cap_enter that
                           submits it (the line was in the kernel already), then two
                           more lines (CR LF is one line end)
                overflow   4200 bytes typed ahead during a 3 s sleep: the excess is
                           dropped (COM1 names the count, 104 when all arrived in
                           time), the read echoes 256 and a bell per other byte:
                           256 + bells + dropped == 4200, ends truncated at CR
                busy       two readLines at once: the second CAPOS_ERR_TERM_BUSY
                           (overloaded) at once, the first reads the next line
                hostile    4097-byte write -> CAPOS_ERR_INVALID (invalidArgument); a
                           forged cap id -> CAP_BAD_ID; the released copy -> CAP_STALE
                room       with "kept" typed ahead: readLine into 16 bytes ->
                           RING_RESULT_TOO_SMALL needing 296, into the read-only CapSet
                           -> RING_RESULT_FAULT, both at once; the next read gets "kept"
                           (nothing consumed)
                death      a child blocked in readLine killed (-1, killed), a child
                           exiting with a read queued (49): both reads cancelled by
                           the kernel (COM1); then a read works again
              and from COM1: COM2 input started on GSI 3, init exits 0, frames and
              kernel objects back at their baselines, the terminal received exactly
              the bytes typed (4582), dropped what it logged, holds none and has no
              read pending, clean shutdown.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import ScriptTest, all_of, first_match, run_suite  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "term", "term.manifest")
PASSWORD = b"s3cr3t-pw"  # TT_PASSWORD in user/termtest/main.c
OVERFLOW_TYPED = 4200
OVERFLOW_TAIL = re.compile(rb"\a*\r\ntermtest: overflow: event=line len=256 truncated=1\n"
                           rb"termtest: overflow: ok\n")
OVERFLOW_ECHO = re.compile(r"overflow> z{256}(\a*)\r\ntermtest: overflow: event=line len=256 "
                           r"truncated=1\n")
DROPPED = re.compile(r"^\[term\] type-ahead full: (\d+) byte\(s\) dropped since the last read$")
TERM_END = re.compile(r"^\[init\] terminal: (\d+) byte\(s\) received, (\d+) dropped "
                      r"\(type-ahead full\), 0 buffered, read pending: no$")
# Every byte the script types: 12+9+10+8+1+301+11+2+15+4200+1+6+5+6.
TYPED = 4587


def result_line(step, event, text, length=None, truncated=0, dropped=0):
    n = len(text) if length is None else length
    return (f'termtest: {step}: event={event} len={n} truncated={truncated} '
            f'dropped={dropped} "{text}"\n')


def ok(step):
    return f"termtest: {step}: ok\n"


def read_step(t, prompt, typed, want):
    """Prompt exactly, type, then exactly `want` (echo and result lines)."""
    t.expect_exact(prompt)
    t.send(typed)
    t.expect_exact(want)


def line_step(t, step, typed, text, echo=None, event="line"):
    echo = (text + "\r\n") if echo is None else echo
    read_step(t, f"{step}> ", typed, echo + result_line(step, event, text) + ok(step))


def script(t):
    problems = []
    t.expect_exact("termtest: start (pid 1)\n", timeout=30)
    line_step(t, "line", b"hello world\r", "hello world")
    read_step(t, "edit> ", b"helo\x7f\x7flp\r",
              "helo\b \b\b \blp\r\n" + result_line("edit", "line", "help") + ok("edit"))
    read_step(t, "password> ", PASSWORD + b"\r",
              "\r\ntermtest: hidden: event=line len=9 matches=yes\n" + ok("hidden"))
    line_step(t, "interrupt", b"partial\x03", "", echo="partial^C\r\n", event="interrupt")
    line_step(t, "eof", b"\x04", "", echo="", event="eof")
    read_step(t, "long> ", b"a" * 300 + b"\r",
              "a" * 256 + "\a" * 44 + "\r\n"
              "termtest: long: event=line len=256 truncated=1 dropped=0\n" + ok("long"))
    read_step(t, "garbage> ", b"ab\x01\x02\xff\x1b[Acd\r",
              'abcd\r\ntermtest: garbage: event=line "abcd" dropped=3\n' + ok("garbage"))
    read_step(t, "key> ", b"\x03q",
              "termtest: key: CAPOS_OK, keys 3 113 (key, key)\n" + ok("key"))
    # Type-ahead: typed while termtest sleeps 1 s; its "slept" line must not be out yet.
    t.expect_exact("termtest: typeahead: type now\n")
    t.send(b"early\r" b"one\r\ntwo\r")
    if b"slept" in t.output:
        problems.append("typeahead: termtest woke before the input was sent (host too slow)")
    t.expect_exact("termtest: typeahead: slept (CAPOS_OK), reading\n")  # then the prompt
    t.expect_exact('typeahead> early\r\ntermtest: typeahead: CAPOS_OK "early", ready without '
                   'blocking: yes\n' + ok("typeahead"))
    line_step(t, "crlf-1", b"", "one")
    line_step(t, "crlf-2", b"", "two")
    # Overflow: 4200 bytes typed ahead; the kernel keeps 4096 and drops the rest (logged
    # on COM1) if all arrived during termtest's 3 s sleep. A byte arriving after the read
    # started is not dropped but refused with a bell, so the judge checks
    # 256 + bells + dropped == 4200 and dropped > 0 rather than 104 exactly.
    t.expect_exact("termtest: overflow: type now\n")
    t.send(b"z" * OVERFLOW_TYPED)
    if b"overflow: slept" in t.output:
        problems.append("overflow: termtest woke before the input was sent (host too slow)")
    t.expect_exact("termtest: overflow: slept (CAPOS_OK), reading\noverflow> " + "z" * 256)
    t.send(b"\r")
    t.expect(OVERFLOW_TAIL, timeout=20)  # the bells, counted by overflow_judge
    read_step(t, "busy> termtest: busy: second read -> CAPOS_ERR_TERM_BUSY (overloaded)\n",
              b"first\r", 'first\r\ntermtest: busy: first read -> CAPOS_OK "first"\n' + ok("busy"))
    t.expect_exact(
        "termtest: hostile: 4097-byte write -> CAPOS_ERR_INVALID (invalidArgument)\n"
        + ok("oversize write")
        + "termtest: hostile: write on forged cap id 0x7ff0 -> CAPOS_ERR_CAP_BAD_ID\n"
        + ok("forged cap")
        + "termtest: hostile: terminal2 released (CAPOS_OK), write on it -> CAPOS_ERR_CAP_STALE\n"
        + ok("stale cap") + "termtest: room: type now\n")
    t.send(b"kept\r")  # typed ahead of two reads refused for their result buffers
    t.expect_exact(
        "termtest: room: readLine into 16 bytes -> CAPOS_ERR_RING_RESULT_TOO_SMALL (needs 296), "
        "into the read-only CapSet -> CAPOS_ERR_RING_RESULT_FAULT\n" + ok("room")
        + "room-after> kept\r\n" + result_line("room-after", "line", "kept") + ok("room-after")
        + "termtest: killed: reader blocked in readLine killed -> CAPOS_OK, code -1 killed 1\n"
        + ok("killed")
        + "termtest: exited: child exited with a read queued -> CAPOS_OK, code 49 killed 0\n"
        + ok("exited"), timeout=20)
    line_step(t, "after-kill", b"alive\r", "alive")
    t.expect_exact("termtest: done, exiting 0\n")
    return problems


def overflow_judge(result):
    """Overflow arithmetic: the kept 4096 bytes echo 256 'z' and a bell each for the
    rest, late bytes (after the read started) a bell each, the others were dropped:
    256 + bells + dropped == 4200, with dropped > 0 (the bound was hit) and the same
    count in the end-of-run line, which also says every typed byte was received."""
    m, d, end = (OVERFLOW_ECHO.search(result.com2), first_match(result, DROPPED),
                 first_match(result, TERM_END))
    if not (m and d and end):
        return [f"overflow: echo {bool(m)}, dropped line {bool(d)}, end line {bool(end)}"]
    bells, dropped = len(m.group(1)), int(d.group(1))
    problems = []
    if dropped < 1 or 256 + bells + dropped != OVERFLOW_TYPED:
        problems.append(f"overflow: 256 + {bells} bells + {dropped} dropped != {OVERFLOW_TYPED}")
    if int(end.group(1)) != TYPED or int(end.group(2)) != dropped:
        problems.append(f"end of run: {end.group(0)!r}, want {TYPED} received, {dropped} dropped")
    return problems


def no_password(result):
    """The hidden password never appears on COM2 (no echo, never printed) or COM1."""
    text = PASSWORD.decode()
    where = [name for name, out in (("COM2", result.com2),
                                    ("COM1", "\n".join(line for _, line in result.com1)))
             if text in out]
    return [f"the hidden password appears on {w}" for w in where]


BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")
OBJECTS = re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$")

TESTS = [
    ScriptTest("term-suite", "TerminalSession over COM2: exact echo for lines, editing, "
               "hidden, Ctrl-C, Ctrl-D, long lines, garbage, raw keys, type-ahead; busy, "
               "oversize, small-buffer, forged and stale caps refused with exact errors; "
               "readers killed or exiting leave no read behind; objects at baseline",
               Boot(mode="direct", mem="128M", timeout=90, modules=[MODULE]),
               script,
               [BANNER,
                "[term] COM2 input on gsi 3 (isa irq 3), type-ahead bound 4096 bytes",
                DROPPED,
                "[term] read of reader pid 2 cancelled: its thread died",
                "[proc] reader pid 2 killed by its handle",
                "[term] read of quitter pid 3 cancelled: its thread died",
                "[proc] termtest pid 1 exited: code 0",
                "[cap] terminal object freed",
                "[init] exited with status 0", BASELINE, OBJECTS,
                TERM_END,
                SHUTDOWN_OK],
               CLEAN_FORBIDDEN, EXIT_CLEAN, all_of(no_password, overflow_judge)),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
