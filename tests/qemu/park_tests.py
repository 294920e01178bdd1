#!/usr/bin/env python3
"""PARK / UNPARK ring opcodes and park spaces (kernel/proc/kpark.c, kernel/proc/parkq.c;
docs/sync.md).

Boots the focused manifest system/tests/park.capnp (at each CPU count): init is user/parktest with
ParkSpaces, SharedParkSpaces, a FrameAllocator and a ProcessSpawner; user/parkpeer is
packaged beside it.

  park-suite  one boot, judged from its COM2 transcript line by line:
                changed   word != expected: CAPOS_PARK_VALUE_CHANGED (1) at once
                timeout   30 ms PARK: CAPOS_ERR_RING_TIMED_OUT after >= 30 ms, < 1 s;
                          timeout 0: timed out at once
                n-of-m    5 parked, UNPARK(3) -> 3, the first three (FIFO), the 4th still
                          parked; UNPARK(all) -> 2, then -> 0
                limit     48 parked from one ring (over the old bound of 32), UNPARK(all)
                          -> 48, all woken (the bound itself: tstress crowd)
                hostile   misaligned / kernel / unmapped word, a Timer cap, a forged and a
                          stale cap id, reserved SQE fields, a flag: exact errors
                shared    bind (twice: ALREADY_BOUND; a Timer: WRONG_INTERFACE), unbound
                          space, the word read through the object's frames, offsets
                          outside / misaligned; private and shared keys stay apart
                gone      a parked op whose MemoryObject is freed: PARK_OBJECT_GONE, and
                          every later op on that space
                peer      a second process parks on the shared object and is woken by
                          this one's store + UNPARK (1 woken, the peer exits 0)
                killed    a child parked forever is killed: its PARK cancelled
              and from COM1: the freed object's waiter logged, init exits 0, no parked op
              or timer sleep left, frames and kernel objects at their baselines, clean
              shutdown.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, com2_exact, run_suite  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "park", "park.manifest")

TRANSCRIPT = [
    'parktest: start (pid 1)',
    'parktest: changed: PARK(word 1, expect 0) -> CAPOS_PARK_VALUE_CHANGED: ok',
    'parktest: timeout: PARK(word 0, expect 0, 30 ms) -> CAPOS_ERR_RING_TIMED_OUT: ok',
    'parktest: timeout: returned after 30 ms and within a second: ok',
    'parktest: timeout: PARK with timeout 0 -> CAPOS_ERR_RING_TIMED_OUT: ok',
    'parktest: n-of-m: UNPARK(3) of 5 -> 3, the first 3 woken: yes, the 4th still parked: yes',
    'parktest: n-of-m: UNPARK(all) -> 2, then -> 0',
    'parktest: n-of-m: ok',
    'parktest: limit: 48 parked from one ring; UNPARK(all) -> 48, all woken: yes',
    'parktest: limit: ok',
    'parktest: hostile: misaligned word -> CAPOS_ERR_PARK_MISALIGNED: ok',
    'parktest: hostile: kernel word -> CAPOS_ERR_PARK_FAULT: ok',
    'parktest: hostile: unmapped word -> CAPOS_ERR_PARK_FAULT: ok',
    'parktest: hostile: UNPARK of a kernel word -> CAPOS_ERR_PARK_FAULT: ok',
    'parktest: hostile: UNPARK of a misaligned word -> CAPOS_ERR_PARK_MISALIGNED: ok',
    'parktest: hostile: PARK on a Timer cap -> CAPOS_ERR_CAP_WRONG_INTERFACE: ok',
    'parktest: hostile: forged cap id (slot past the table) -> CAPOS_ERR_CAP_BAD_ID: ok',
    'parktest: hostile: release park2 -> CAPOS_OK: ok',
    'parktest: hostile: stale cap id -> CAPOS_ERR_CAP_STALE: ok',
    'parktest: hostile: PARK with len set -> CAPOS_ERR_RING_RESERVED_NONZERO: ok',
    'parktest: hostile: PARK with result_len set -> CAPOS_ERR_RING_RESERVED_NONZERO: ok',
    'parktest: hostile: PARK with a flag -> CAPOS_ERR_RING_BAD_FLAGS: ok',
    'parktest: shared: allocate and map a 1-page object -> CAPOS_OK: ok',
    'parktest: shared: bind spark -> CAPOS_OK: ok',
    'parktest: shared: bind spark again -> CAPOS_ERR_PARK_ALREADY_BOUND: ok',
    'parktest: shared: bind spark2 to a Timer -> CAPOS_ERR_CAP_WRONG_INTERFACE: ok',
    'parktest: shared: PARK on unbound spark2 -> CAPOS_ERR_PARK_UNBOUND: ok',
    'parktest: shared: PARK(offset 8, expect 4) with 5 stored -> CAPOS_PARK_VALUE_CHANGED: ok',
    'parktest: shared: PARK(offset 8, expect 5, timeout 0) -> CAPOS_ERR_RING_TIMED_OUT: ok',
    'parktest: shared: offset 4096 (past the object) -> CAPOS_ERR_PARK_OFFSET_RANGE: ok',
    'parktest: shared: offset 6 -> CAPOS_ERR_PARK_MISALIGNED: ok',
    'parktest: shared: private UNPARK of the mapped word -> 0, shared UNPARK -> 1, PARK -> CAPOS_OK',
    'parktest: shared: ok',
    'parktest: gone: allocate an object and bind spark3 -> CAPOS_OK: ok',
    "parktest: gone: release the object's only cap -> CAPOS_OK: ok",
    'parktest: gone: the parked PARK -> CAPOS_ERR_PARK_OBJECT_GONE: ok',
    'parktest: gone: a later PARK -> CAPOS_ERR_PARK_OBJECT_GONE: ok',
    'parktest: gone: a later UNPARK -> CAPOS_ERR_PARK_OBJECT_GONE: ok',
    'parkpeer: PARK(offset 0, expect 0) -> CAPOS_OK, word now 1',
    'parktest: peer: flag seen, stored 1, UNPARK(all) -> 1; peer exit 0 killed 0 (CAPOS_OK)',
    'parktest: peer: ok',
    'parkpeer: parking forever',
    'parktest: killed: child parked forever killed -> CAPOS_OK, code -1 killed 1',
    'parktest: killed: ok',
    'parktest: done, exiting 0',
]

BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")
OBJECTS = re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$")

TESTS = [
    Test("park-suite", "PARK/UNPARK: value changed at once, timeouts, N of M woken FIFO, "
         "the waiter bound, hostile twins with exact errors, the shared form in one and "
         "across two processes, a freed object's waiters, a killed waiter; nothing leaked",
         Boot(mode="direct", mem="128M", timeout=60, modules=[MODULE]),
         [BANNER,
          "[park] memory object freed: 1 waiter(s) woken",
          "[proc] peer pid 2 exited: code 0",
          "[proc] hang pid 3 killed by its handle",
          "[proc] parktest pid 1 exited: code 0",
          "[init] exited with status 0", BASELINE, OBJECTS,
          "[init] timer sleeps left: 0", "[init] parked ops left: 0", SHUTDOWN_OK],
         CLEAN_FORBIDDEN, EXIT_CLEAN, com2_exact(TRANSCRIPT)),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
