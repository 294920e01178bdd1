#!/usr/bin/env python3
"""Threads: ThreadSpawner / ThreadHandle / ThreadControl (kernel/cap/thread*.c,
kernel/proc/proc.c) and libcapos/thread.h (docs/kernel-proc.md "Threads").

Boots the focused manifest system/tests/threads.capnp: init is user/threadtest, holding
a Console, a Timer, a ThreadSpawner, a ThreadControl, VirtualMemory, a ProcessSpawner
(it spawns itself under role names) and a raw Endpoint.

  thread-suite  one boot (-smp 1), judged from its COM2 transcript line by line:
                  concurrent  4 threads doing Timer.now CALLs and NOPs on their own
                              rings while the main thread does the same; own distinct
                              rings, fresh TLS copies, own errno (newlib reent), no
                              foreign completions; joins give
                              100..103
                  sleep       a thread parked in Timer.sleep delays none of the main
                              thread's 100 completions
                  recv        a thread waiting in RECV: the main thread's NOPs go on, its
                              CALL is served by that thread, the reply completes on the
                              caller's ring
                  fsbase      setFsBase(own TCB) works and TLS still reads right
                  hostile     kernel / non-canonical entry, non-canonical / misaligned
                              stack, kernel FS base (spawn and setFsBase): exact
                              CAPOS_ERR_THREAD_* with invalidArgument; join twice
                              (THREAD_JOINED), released handle (CAP_STALE), forged cap
                              id (CAP_BAD_ID), a join while one is pending (whichever
                              of two racing joins comes second: THREAD_JOIN_BUSY,
                              overloaded), join of itself
                              (THREAD_JOIN_SELF)
                  children    profile threads2: a second thread is CAPOS_ERR_QUOTA_THREADS
                              (overloaded); the exit syscall from a secondary thread ends
                              the process (43); main ending with ThreadControl.exit(7)
                              leaves the process to its last thread (44); a child with
                              threads sleeping, spinning and joining is killed once it
                              said (on an exported `ready` endpoint) that the kernel
                              holds the sleep and the join: (-1, killed)
                  many        three children (profile many) with 60 threads each
                              (guarded stacks) blocked in a chain of joins, all alive
                              at once (184 threads, each on its own kernel stack: the kernel once
                              had 64 machine-wide), then killed: (-1, killed) each
                and from COM1: the killed child's sleeps and join cancelled, every
                process reaped, free frames and live kernel objects back at their
                pre-init baselines, no timer sleep left, clean shutdown.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, com2_exact, run_suite  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "threads", "threads.manifest")
INVALID = "(type invalidArgument)"


def ok(step):
    return f"threadtest: {step}: ok"


def hostile(what, err, typ="invalidArgument"):
    return [f"threadtest: hostile {what} -> {err} (type {typ})", ok(what)]


TRANSCRIPT = [
    "threadtest: start (pid 1)",
    "threadtest: concurrent: 4 threads created -> CAPOS_OK",
    "threadtest: concurrent: joined -> CAPOS_OK, exit codes 100 101 102 103",
    ok("concurrent: own rings, fresh TLS, only own completions"),
    ok("concurrent: main thread's calls meanwhile"),
    ok("concurrent: errno per thread (newlib reent)"),
    "threadtest: sleep: 100 completions while a thread sleeps -> CAPOS_OK, it was still "
    "asleep 1, joined with 7",
    ok("sleep: a sleeping thread delays no other ring"),
    "threadtest: recv: 50 NOPs while a thread waits in RECV (still waiting 1); CALL -> "
    "CAPOS_OK, reply 42 on the caller's ring, joined with 9",
    ok("recv: the reply completes on the calling thread's ring"),
    "threadtest: fsbase: setFsBase(own TCB) in a thread -> joined CAPOS_OK with 11",
    ok("fsbase"),
    *hostile("entry kernel", "CAPOS_ERR_THREAD_ENTRY"),
    *hostile("entry non-canonical", "CAPOS_ERR_THREAD_ENTRY"),
    *hostile("stack non-canonical", "CAPOS_ERR_THREAD_STACK"),
    *hostile("stack misaligned", "CAPOS_ERR_THREAD_STACK"),
    *hostile("fsbase kernel", "CAPOS_ERR_THREAD_FS_BASE"),
    "threadtest: hostile setFsBase(kernel) -> CAPOS_ERR_THREAD_FS_BASE (type invalidArgument)",
    ok("setFsBase kernel"),
    "threadtest: join -> CAPOS_OK, code 5",
    *hostile("join twice", "CAPOS_ERR_THREAD_JOINED"),
    *hostile("join released handle", "CAPOS_ERR_CAP_STALE", "none"),
    *hostile("join forged handle", "CAPOS_ERR_CAP_BAD_ID", "none"),
    "threadtest: join busy: joined 3 and 4 (CAPOS_OK)",
    *hostile("join busy", "CAPOS_ERR_THREAD_JOIN_BUSY", "overloaded"),
    *hostile("join self", "CAPOS_ERR_THREAD_JOIN_SELF"),
    ok("join twins: threads still joined with their codes"),
    "threadtest: child quota: second thread -> CAPOS_ERR_QUOTA_THREADS (type overloaded)",
    "threadtest: child role.quota -> CAPOS_OK, code 41 killed 0",
    ok("role.quota"),
    "threadtest: child role.exit -> CAPOS_OK, code 43 killed 0",
    ok("role.exit"),
    "threadtest: child role.last -> CAPOS_OK, code 44 killed 0",
    ok("role.last"),
    "threadtest: child kill: 3 threads sleeping, spinning, joining -> CAPOS_OK",
    "threadtest: child role.kill -> CAPOS_OK, code -1 killed 1",
    ok("role.kill"),
    *["threadtest: child many: 60 threads in a join chain -> CAPOS_OK"] * 3,
    "threadtest: many: 3 children x 60 blocked threads at once -> CAPOS_OK",
    "threadtest: many: 3 killed and reaped",
    ok("many"),
    "threadtest: done, exiting 0",
]

BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")
OBJECTS = re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$")
COM1 = [BANNER,
        "[proc] role.quota pid 2 exited: code 41",
        "[proc] role.exit pid 3 exited: code 43",
        "[proc] role.last pid 4 tid 18 exited: code 7 (1 thread(s) left)",
        "[proc] role.last pid 4 exited: code 44",
        "[timer] sleep of role.kill pid 5 cancelled: its thread died",
        "[thread] join of tid 21 cancelled: its joiner died",
        "[proc] role.kill pid 5 killed by its handle",
        re.compile(r"^\[proc\] role\.kill pid 5 reaped: "),
        *[line for pid in range(6, 9) for line in (
            f"[timer] sleep of role.many pid {pid} cancelled: its thread died",
            f"[proc] role.many pid {pid} killed by its handle",
            re.compile(rf"^\[proc\] role\.many pid {pid} reaped: "))],
        "[proc] threadtest pid 1 exited: code 0",
        "[init] exited with status 0", BASELINE, OBJECTS,
        "[init] revocation nodes left: 0", "[init] timer sleeps left: 0", SHUTDOWN_OK]


def boot(smp):
    return Boot(mode="direct", mem="128M", smp=smp, timeout=90, modules=[MODULE])


TESTS = [
    Test("thread-suite", "threads with their own rings: concurrent CALLs, ring isolation "
         "(sleep, RECV), join codes, TLS; hostile entry/stack/FS base/join twins with exact "
         "errors; quota, exit from a secondary thread, last-thread exit, kill of a "
         "multi-threaded child; 184 threads alive at once in 4 processes; frames and objects "
         "at baseline",
         boot(1), COM1, CLEAN_FORBIDDEN, EXIT_CLEAN, com2_exact(TRANSCRIPT)),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
