#!/usr/bin/env python3
"""Standard streams through StdIO (docs/userspace.md "Standard streams"): libcapos's
StdIO client (lib/libcapos/stdio_cap.c, the newlib hooks of hooks_fd.c) and the demo
programs a shell runs (user/hello, user/upper, user/spin).

  stdio-streams the focused manifest system/tests/stdio.capnp: init is user/stdiotest,
                which serves StdIO on its own endpoint (libcapos server runtime,
                capos_server_run_until) and runs each program with `stdio` = a client
                facet of it, scripting readLine's answers. Judged from the exact COM2
                transcript, where stdiotest prints per run the exit code, the write and
                readLine counts and whether the bytes written are exactly the expected
                ones: hello greeted by name (exit 0); eof at once (exit 3); writes
                answered with a `failed` CapException (printf fails, exit 1 after one
                write: no retry loop); a 3000-byte line past the client's 2048 ->
                EMSGSIZE (CAPOS_ERR_STDIO_LINE_TOO_LONG) seen by fgets (exit 2, the
                strerror text in the bytes); upper over three lines, the last delivered
                without "\\n" at eof, and a 2048-byte line in pieces; spin's ticks until
                it is killed at the third, and spin stopping (exit 1) when writes fail;
                hello without `stdio` on the Console with fd 0 ENOSYS (exit 2); a
                `stdio` cap of another interface failing every stream rather than
                falling back (exit 1, nothing on COM2); a StdIO server
                (user/stdiovanish) exiting while hello waits in readLine -> EPIPE
                (disconnected), exit 2, no hang; last stdiotest's own endpoint closed
                under the server loop (capos_server_run_until -> EP_DISCONNECTED at
                once, not a hang). From COM1: stdiotest exits 0, no
                endpoint or call record left, frames and kernel objects back at their
                baselines, clean shutdown.

CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, com2_exact, run_suite  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "stdio", "stdio.manifest")

TRANSCRIPT = [
    'stdiotest: hello, name capOS: exit 0, 3 writes (62 bytes, as expected), 1 readLine, status CAPOS_OK',
    'stdiotest: hello, name capOS: ok',
    'stdiotest: hello, eof at once: exit 3, 4 writes (59 bytes, as expected), 1 readLine, status CAPOS_OK',
    'stdiotest: hello, eof at once: ok',
    'stdiotest: hello, writes refused (failed): exit 1, 1 writes (0 bytes, as expected), 0 readLine, status CAPOS_OK',
    'stdiotest: hello, writes refused (failed): ok',
    'stdiotest: hello, a 3000-byte line: exit 2, 3 writes (80 bytes, as expected), 1 readLine, status CAPOS_OK',
    'stdiotest: hello, a 3000-byte line: ok',
    'stdiotest: upper, three lines, the last at eof: exit 0, 3 writes (24 bytes, as expected), 3 readLine, status CAPOS_OK',
    'stdiotest: upper, three lines, the last at eof: ok',
    'stdiotest: upper, a 2048-byte line: exit 0, 3 writes (2049 bytes, as expected), 2 readLine, status CAPOS_OK',
    'stdiotest: upper, a 2048-byte line: ok',
    'stdiotest: spin, killed at the third tick: exit -1 (killed), 3 writes (39 bytes, as expected), 0 readLine, status CAPOS_OK',
    'stdiotest: spin, killed at the third tick: ok',
    'stdiotest: spin, writes refused (failed): exit 1, 1 writes (0 bytes, as expected), 0 readLine, status CAPOS_OK',
    'stdiotest: spin, writes refused (failed): ok',
    'Hello from capOS!',
    'What is your name? hello: cannot read stdin: Function not implemented',
    'stdiotest: hello without stdio (Console): exit 2, 0 writes (0 bytes, as expected), 0 readLine, status CAPOS_OK',
    'stdiotest: hello without stdio (Console): ok',
    'stdiotest: hello, stdio granted as Console: exit 1, 0 writes (0 bytes, as expected), 0 readLine, status CAPOS_OK',
    'stdiotest: hello, stdio granted as Console: ok',
    'stdiovanish: 2 writes, 37 bytes (the greeting); exiting in readLine',
    'stdiotest: hello, its server exits during readLine: exit 2, 0 writes (0 bytes, as expected), 0 readLine, status CAPOS_OK',
    'stdiotest: hello, its server exits during readLine: ok',
    'stdiotest: stdiovanish: exit 0, status CAPOS_OK',
    'stdiotest: server gone: ok',
    'stdiotest: run_until after its endpoint closed -> CAPOS_ERR_EP_DISCONNECTED',
    'stdiotest: closed endpoint ends the server loop: ok',
    'stdiotest: done, exiting 0',
]

BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")
OBJECTS = re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$")
IPC_CLEAN = re.compile(r"^\[ipc\] handoffs \d+, endpoints live 0, call records live 0$")

TESTS = [
    Test("stdio-streams", "hello/upper/spin over a StdIO facet served by stdiotest: exact "
         "bytes and exits; refused writes, eof, oversize line, no stdio, wrong interface, "
         "server gone mid-readLine; baselines, clean shutdown",
         Boot(mode="direct", mem="128M", timeout=90, modules=[MODULE]),
         [BANNER, IPC_CLEAN, "[init] exited with status 0", BASELINE, OBJECTS,
          "[init] revocation nodes left: 0", SHUTDOWN_OK],
         forbid=CLEAN_FORBIDDEN, status=EXIT_CLEAN, judge=com2_exact(TRANSCRIPT)),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
