#!/usr/bin/env python3
"""Thread stress: PARK/UNPARK, capos_mutex / capos_cond and newlib's malloc with many
threads of ONE process (kernel/proc/kpark.c, lib/libcapos/sync.c, lib/libcapos/nlock.c;
docs/sync.md, docs/kernel-proc.md "Threads").

Boots the focused manifest system/tests/tstress.capnp (at each CPU count): init is
user/tstress with a ParkSpace, ThreadSpawner, ThreadControl, VirtualMemory, a
FrameAllocator and a ProcessSpawner (it spawns itself as the killed child).

  tstress-suite  one boot, judged from its COM2 transcript line by line:
                   counter     12 threads all block on a held mutex (contended path),
                               then 12 x 150 read-pause-write increments: exactly 1800
                   chain       8 threads pass a token with raw PARK / UNPARK(1) on
                               their own words, 480 hand-offs in order, every PARK
                               bounded (2 s); the lost wake-up detector counts 0
                   unpark-n    8 threads parked (each PARK seen queued through its
                               ring's sq_head): UNPARK(n) returns exactly min(n,
                               parked) and exactly that many threads resume, 5 patterns
                   cond-chain  6 threads take 120 turns over one capos_cond (timed
                               waits, broadcast), no lost wake-up
                   heap        8 threads x 1000 malloc/realloc/free with per-block
                               patterns: no corruption, bytes in use back to the start
                   hostile     a joined thread's stack word (PARK_FAULT; UNPARK 0), a
                               held mutex's word with a wrong expected value
                               (VALUE_CHANGED at once; timeout 0: TIMED_OUT),
                               misaligned / unmapped from a thread, the thread quota
                               hit with 15 threads parked (QUOTA_THREADS, overloaded;
                               UNPARK(all) -> 15; a thread starts again after the
                               joins)
                   kill        a child with 10 threads parked (two with deadlines),
                               one spinning and main parked, killed: (-1, killed); a
                               child with the chain running on and on, one thread
                               allocating and one spinning, killed mid-flight: (-1,
                               killed); after each, neither the spinner's count nor
                               the chain's progress (a shared page) moves
                   crowd       (crowd.c) a child under the "crowd" profile (64
                               threads): 2 x 24 PARKs queued from two rings, then 24
                               threads parked on one held mutex (72 parked ops; the
                               old bound of 32 refused the rest and capos_mutex_lock
                               failed): UNPARK(all) of the mutex word -> 24, 24 x 20
                               increments exact, no lock failed, the queued woken 48;
                               then 2 x 64 PARKs queued (KPARK_MAX_PER_PROC = 128), one
                               more -> CAPOS_ERR_PARK_WAITERS_LIMIT, a capos_mutex_lock
                               refused its PARK meanwhile retries and returns CAPOS_OK
                               after UNPARK(all) -> 128; the child exits 0
                 Counts that depend on timing (contended acquisitions beyond the first
                 12, PARK outcomes, late timeouts, overlaps, heap size, guest ms) are
                 matched by shape; the lost wake-up and stall counts must be 0.
                 From COM1: the child killed and reaped, init exits 0, no parked op or
                 timer sleep left, frames and kernel objects at their baselines, clean
                 shutdown.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from park_tests import BASELINE, OBJECTS  # noqa: E402
from suite import Test, run_suite  # noqa: E402
from sys_tests import com2_lines  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "tstress", "tstress.manifest")
N = r"\d+"


def ok(step):
    return f"tstress: {step}: ok"


def hostile(what, err):
    return [f"tstress: hostile {what} -> {err}", ok(what)]


def stats(what):
    return re.compile(rf"tstress: {what}: PARKs woken {N}, value changed {N}, "
                      rf"late timeouts {N}, other 0")


def unpark_round(r, woken):
    return f"tstress: unpark-n: round {r}: 8 parked, woken {woken}, resumed 8"


TRANSCRIPT = [
    "tstress: start (pid 1)",
    "tstress: counter: 12 threads x 150 rounds -> 1800 (CAPOS_OK), contended while held: 12, "
    "joined: yes",
    re.compile(rf"tstress: counter: contended acquisitions in all: {N}"),
    ok("counter"),
    "tstress: chain: 8 threads x 60 laps -> 480 hand-offs (CAPOS_OK), out of order 0, "
    "lost wake-ups 0, stalled 0, joined: yes",
    stats("chain"),
    ok("chain"),
    unpark_round(1, "3 3 2 0"),
    unpark_round(2, "0 1 7"),
    unpark_round(3, "8 0"),
    unpark_round(4, "5 3"),
    unpark_round(5, "1 2 4 1"),
    "tstress: unpark-n: 8 threads x 5 rounds: resumed 40, other statuses 0 (CAPOS_OK), "
    "joined: yes",
    ok("unpark-n"),
    "tstress: cond-chain: 6 threads x 20 laps -> 120 turns (CAPOS_OK), lost wake-ups 0, "
    "stalled 0, broadcast errors 0, joined: yes",
    stats("cond-chain"),
    ok("cond-chain"),
    "tstress: heap: 8 threads x 1000 operations (CAPOS_OK): corrupt blocks 0, failed "
    "allocations 0, joined: yes; bytes in use after == before",
    re.compile(rf"tstress: heap: 8000 malloc/realloc/free calls, [0-8] of 8 threads "
               rf"overlapped others; in use ({N}) before, \1 after, heap {N} bytes"),
    ok("heap"),
    "tstress: hostile: a thread reported a stack word and was joined -> CAPOS_OK",
    *hostile("PARK on a joined thread's stack", "CAPOS_ERR_PARK_FAULT"),
    *hostile("UNPARK on a joined thread's stack", "CAPOS_OK"),
    "tstress: hostile: holder and prober threads -> CAPOS_OK, joined 1 1",
    *hostile("PARK(held mutex word, expect 2)", "CAPOS_PARK_VALUE_CHANGED"),
    ok("at once (under a second)"),
    *hostile("PARK(held mutex word, expect 1, timeout 0)", "CAPOS_ERR_RING_TIMED_OUT"),
    *hostile("PARK from a thread, misaligned", "CAPOS_ERR_PARK_MISALIGNED"),
    *hostile("PARK from a thread, unmapped", "CAPOS_ERR_PARK_FAULT"),
    "tstress: quota: 15 threads parked (CAPOS_OK, all queued: yes); one more: create -> "
    "CAPOS_ERR_QUOTA_THREADS, spawn -> CAPOS_ERR_QUOTA_THREADS (type overloaded)",
    "tstress: quota: UNPARK(all) -> 15, joined: yes; after the joins a new thread -> CAPOS_OK",
    ok("quota"),
    "tstress: child: 10 threads parked: yes (CAPOS_OK)",
    "tstress: kill: child with 10 threads parked and one spinning -> CAPOS_OK, code -1 "
    "killed 1; nothing ran after: yes",
    ok("kill parked"),
    "tstress: kill: child with 8 threads passing a token, 1 allocating, one spinning -> "
    "CAPOS_OK, code -1 killed 1; nothing ran after: yes",
    ok("kill busy"),
    "tstress: crowd: 48 PARKs queued from 2 rings, 24 threads parked on one held mutex "
    "(CAPOS_OK, all PARKs consumed: yes); UNPARK(all) of the mutex word -> 24",
    "tstress: crowd: 24 x 20 -> 480, failed locks 0, joined: yes; UNPARK(all) of the queued "
    "-> 48, parkers -> 0 0",
    ok("crowd"),
    "tstress: bound: 128 PARKs queued from 2 rings, one more -> CAPOS_ERR_PARK_WAITERS_LIMIT; "
    "a mutex lock meanwhile -> CAPOS_OK (its first PARK consumed: yes); UNPARK(all) -> 128; "
    "parkers -> 0 0",
    ok("bound"),
    "tstress: crowd child -> CAPOS_OK, code 0 killed 0",
    ok("crowd child"),
    re.compile(rf"tstress: guest ms: counter {N} chain {N} unpark-n {N} cond-chain {N} "
               rf"heap {N} hostile {N} kill {N} crowd {N}"),
    "tstress: done, exiting 0",
]


TESTS = [
    Test("tstress-suite", "many threads of one process: an exact mutex count, a PARK/UNPARK "
         "token ring and a condvar turn chain with a lost wake-up detector, UNPARK(n) wakes "
         "exactly min(n, parked), newlib malloc under contention, hostile twins (stale and "
         "foreign words, quota while parked, kills with threads parked and mid-flight); 72 "
         "parked ops with 24 mutex waiters, the parked-op bound; nothing leaked",
         Boot(mode="direct", mem="128M", timeout=120, modules=[MODULE]),
         [BANNER,
          "[proc] kill pid 2 killed by its handle",
          re.compile(r"^\[proc\] kill pid 2 reaped: "),
          "[proc] kill pid 3 killed by its handle",
          re.compile(r"^\[proc\] kill pid 3 reaped: "),
          "[proc] crowd pid 4 exited: code 0",
          "[proc] tstress pid 1 exited: code 0",
          "[init] exited with status 0", BASELINE, OBJECTS,
          "[init] timer sleeps left: 0", "[init] parked ops left: 0", SHUTDOWN_OK],
         CLEAN_FORBIDDEN, EXIT_CLEAN, com2_lines(TRANSCRIPT)),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
