#!/usr/bin/env python3
"""capos_mutex / capos_cond and newlib's lock hooks over PARK/UNPARK (lib/libcapos/sync.c,
lib/libcapos/nlock.c; docs/sync.md).

Boots the focused manifest system/tests/sync.capnp (-smp 1): init is user/synctest with
a ParkSpace, two SharedParkSpaces, a FrameAllocator and a ProcessSpawner; user/syncpeer
is packaged beside it. Processes stand in for threads (ThreadSpawner is another branch):
each binds its own SharedParkSpace to one shared MemoryObject.

  sync-suite  one boot, judged from its COM2 transcript line by line:
                private  1000 uncontended lock/unlock pairs queue no ring op (never enter
                         the kernel); lock, trylock refused (BUSY), unlock, trylock; a
                         timed condvar wait with no signal: RING_TIMED_OUT after >= 20 ms,
                         the mutex held again
                newlib   newlib's lock hooks are libcapos's: a held lock refuses a second
                         try-acquire (the no-op default never does), the malloc lock is
                         recursive for its owner
                hostile  a contended lock in an unbound SharedParkSpace: PARK_UNBOUND, no
                         hang
                counter  3 syncpeers block on the shared mutex this process holds (all
                         take the contended path), then 4 processes x 300 read-pause-write
                         increments: exactly 1200 (a mutex that does not exclude gives
                         fewer; one that loses a wake-up hangs and times out)
                queue    producer/consumer through a 4-slot queue with a mutex and two
                         condvars: 400 items in order; the consumer exits 3 if a condvar
                         wait of 2 s finds the queue still empty (a lost wake-up)
              and from COM1: init exits 0, no parked op or timer sleep left, frames and
              kernel objects at their baselines, clean shutdown.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from park_tests import BASELINE, OBJECTS  # noqa: E402
from suite import Test, com2_exact, run_suite  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "sync", "sync.manifest")

TRANSCRIPT = [
    'synctest: start (pid 1)',
    'synctest: private: 1000 uncontended lock/unlock pairs queued 0 ring op(s)',
    'synctest: private: lock CAPOS_OK, trylock while held CAPOS_ERR_BUSY, unlock CAPOS_OK, trylock CAPOS_OK',
    'synctest: private: timed wait with no signal -> CAPOS_ERR_RING_TIMED_OUT, mutex held again: yes',
    'synctest: private: ok',
    'synctest: newlib: try-acquire 0, while held 1, after release 0; malloc under the malloc lock held twice: ok; free after two releases: yes',
    'synctest: newlib: ok',
    'synctest: hostile: contended lock in an unbound SharedParkSpace -> CAPOS_ERR_PARK_UNBOUND',
    'synctest: hostile: ok',
    'synctest: shared page: CAPOS_OK',
    'synctest: counter: 4 processes x 300 rounds -> 1200 (CAPOS_OK), contended while held: all 3, children exited 0: yes',
    'synctest: counter: ok',
    'synctest: queue: 400 items through 4 slots -> CAPOS_OK, consumer exit 0 killed 0',
    'synctest: queue: ok',
    'synctest: done, exiting 0',
]

TESTS = [
    Test("sync-suite", "capos_mutex/capos_cond over PARK/UNPARK: uncontended paths stay out "
         "of the kernel, contended ones park, 4 processes count exactly, a producer/consumer "
         "queue delivers in order without lost wake-ups, newlib's locks are ours",
         Boot(mode="direct", mem="128M", smp=1, timeout=60, modules=[MODULE]),
         [BANNER,
          "[proc] synctest pid 1 exited: code 0",
          "[init] exited with status 0", BASELINE, OBJECTS,
          "[init] timer sleeps left: 0", "[init] parked ops left: 0", SHUTDOWN_OK],
         CLEAN_FORBIDDEN, EXIT_CLEAN, com2_exact(TRANSCRIPT)),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
