#!/usr/bin/env python3
"""Timer.sleep / Timer.sleepUntil (kernel/cap/timer.c, kernel/proc/ksleep.c;
docs/kring.md "Timer.sleep").

Boots the focused manifest system/tests/timer.capnp: init is user/timertest, holding a
Console, a Timer and a ProcessSpawner; user/spawnchild is packaged beside it.

  timer-suite  one boot per CPU count (-smp 1, 2, 4), judged from its COM2 transcript line by line:
                 sleep        sleep(30 ms) lasts >= 30 ms by Timer.now; sleepUntil
                              returns past its deadline
                 order        40 ms then 10 ms queued: the 10 ms CQE comes first
                 at-once      sleep(0), sleepUntil(1 ns): ready without blocking
                 nanosleep    newlib nanosleep(25 ms) (Timer.sleep) lasts >= 25 ms
                 hostile      sleep(2^64-1), sleep(2^63), sleepUntil(2^63),
                              sleepUntil(2^64-1): CAPOS_ERR_TIMER_SLEEP_RANGE (invalidArgument);
                              an 8-byte result buffer: RING_RESULT_TOO_SMALL needing 16;
                              the read-only CapSet page: RING_RESULT_FAULT; all at once
                 limit        8 sleeps pending, a 9th: CAPOS_ERR_TIMER_SLEEP_LIMIT
                              (overloaded); the 8 complete, a sleep works again
                 killed       a child parked in Timer.sleep(10 s) killed: (-1, killed)
                 exited       a child exiting with a sleep queued: (49, not killed)
                 killed-poll  a child parked in Timer.sleep killed while the parent
                              then only polls ProcessHandle.wait with non-blocking
                              cap_enter (never switching away): answered (-1, killed)
                              within 20000 polls (the kill's system-call exit reaps)
                 far          a child blocked in cap_enter(1, 2^64-3 ns) with
                              Timer.sleepUntil(2^63-1) queued (far deadlines: the one-shot
                              conversion once wrapped; arch/timerscale.h) while the
                              parent sleeps 10 x 20 ms and spins: all sleeps end on time,
                              timer interrupts keep coming, the child is killed (-1,
                              killed) and its sleep cancelled
                 tickless     a 500 ms sleep with nothing else to run: all CPUs together
                              take at most 2 per CPU + 4 timer interrupts
                              (SystemStatus.summary timerInterrupts; 100 Hz periodic
                              ticks would be 50 per CPU): idle CPUs stop their tick and
                              CPU 0 wakes by a one-shot at the deadline
               and from COM1: both children's sleeps cancelled, init exits 0, no timer
               sleep left, free frames and live kernel objects back at their pre-init
               baselines, clean shutdown.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, com2_exact, run_suite  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "timer", "timer.manifest")
RANGE = "CAPOS_ERR_TIMER_SLEEP_RANGE (type 4), at once: ok"  # 4: invalidArgument

TRANSCRIPT = [
    "timertest: start (pid 1)",
    "timertest: sleep 30 ms -> CAPOS_OK",
    "timertest: sleep lasted at least 30 ms by Timer.now: ok",
    "timertest: sleepUntil(now + 20 ms) -> CAPOS_OK",
    "timertest: sleepUntil returned past its deadline: ok",
    "timertest: order: 40 ms then 10 ms queued; completed 10 ms first (CAPOS_OK, CAPOS_OK)",
    "timertest: order: ok",
    "timertest: at-once: sleep(0) -> CAPOS_OK, sleepUntil(1 ns) -> CAPOS_OK, 2 ready "
    "without blocking",
    "timertest: at-once: ok",
    "timertest: nanosleep(25 ms) -> 0",
    "timertest: nanosleep lasted at least 25 ms: ok",
    f"timertest: hostile sleep(2^64-1) -> {RANGE}",
    f"timertest: hostile sleep(2^63) -> {RANGE}",
    f"timertest: hostile sleepUntil(2^63) -> {RANGE}",
    f"timertest: hostile sleepUntil(2^64-1) -> {RANGE}",
    "timertest: hostile sleep into 8 bytes -> CAPOS_ERR_RING_RESULT_TOO_SMALL (type -1), "
    "at once: ok",
    "timertest: hostile sleep into the read-only CapSet -> CAPOS_ERR_RING_RESULT_FAULT "
    "(type -1), at once: ok",
    # 1: overloaded
    "timertest: limit: 8 sleeps pending, one more -> CAPOS_ERR_TIMER_SLEEP_LIMIT (type 1), 1 ready",
    "timertest: limit: the 8 completed CAPOS_OK; a sleep after -> CAPOS_OK",
    "timertest: limit: ok",
    "timertest: killed: child parked in Timer.sleep killed -> CAPOS_OK, code -1 killed 1",
    "timertest: killed: ok",
    "timertest: exited: child exited with a sleep queued -> CAPOS_OK, code 49 killed 0",
    "timertest: exited: ok",
    "timertest: killed-poll: wait polled without blocking -> CAPOS_OK, code -1 killed 1, "
    "answered within the polls",
    "timertest: killed-poll: ok",
    re.compile(r"timertest: far: 10 of 10 sleeps ended on time, [1-9]\d* timer interrupts in "
               r"\d+ ms beside a child with far deadlines; child killed -> CAPOS_OK, code -1 "
               r"killed 1"),
    "timertest: far deadlines: ok",
    re.compile(r"timertest: tickless: \d+ timer interrupts on [124] cpus in a \d+ ms idle sleep "
               r"\(a ticking system takes 50 per cpu\)"),
    "timertest: tickless idle: ok",
    "timertest: done, exiting 0",
]

BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")
OBJECTS = re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$")

TESTS = [
    Test("timer-suite", "Timer.sleep/sleepUntil: at least the asked time, deadline order, "
         "at once for 0 and past deadlines, range/room/limit hostile twins with exact "
         "errors, sleepers killed or exiting leave nothing; frames and objects at baseline",
         Boot(mode="direct", mem="128M", timeout=60, modules=[MODULE]),
         [BANNER,
          "[timer] sleep of napper pid 2 cancelled: its thread died",
          "[proc] napper pid 2 killed by its handle",
          "[timer] sleep of submitter pid 3 cancelled: its thread died",
          "[proc] napper2 pid 4 killed by its handle",
          "[timer] sleep of farsleeper pid 5 cancelled: its thread died",
          "[proc] farsleeper pid 5 killed by its handle",
          "[proc] timertest pid 1 exited: code 0",
          "[init] exited with status 0", BASELINE, OBJECTS,
          "[init] revocation nodes left: 0", "[init] timer sleeps left: 0", SHUTDOWN_OK],
         CLEAN_FORBIDDEN, EXIT_CLEAN, com2_exact(TRANSCRIPT)),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
