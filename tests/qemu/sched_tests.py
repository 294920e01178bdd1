#!/usr/bin/env python3
"""Weighted fair queueing and SchedulingPolicy (docs/scheduler.md) under QEMU.

Boots the focused manifest system/tests/sched.capnp (-smp 1, icount shift=0 so guest
time is instructions and the run is deterministic): the real user/init starts two
user/schedspin services under a profile with maxWeight 4.

  sched-hostile  the "light" service's SchedulingPolicy.setWeight twins, each with its
                 exact status: weight 4 (= maxWeight) ok; weight 0, 5 and 2^32-1
                 CAPOS_ERR_SCHED_WEIGHT_RANGE; init's thread (tid 1, another process)
                 and tid 2^64-1 CAPOS_ERR_SCHED_NO_SUCH_THREAD (invalidArgument);
                 a forged cap id CAPOS_ERR_CAP_BAD_ID; a Timer cap
                 CAPOS_ERR_CAP_WRONG_INTERFACE; weight 1 ok; the released cap
                 CAPOS_ERR_CAP_STALE; both services exit 0, clean shutdown
  sched-fair     the same boot's measurement: weights 1 and 2 spinning over the same 2 s
                 window count iterations in a ratio within +-10% of 2 (printed)
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, run_suite  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "sched", "sched.manifest")
ICOUNT = ["-icount", "shift=0,sleep=off"]
WANT_RATIO, TOLERANCE = 2.0, 0.10
COUNT = re.compile(r"schedspin: weight (\d) iterations (\d+)$")

HOSTILE = [
    "weight max -> CAPOS_OK (type -1): ok",
    "weight 0 -> CAPOS_ERR_SCHED_WEIGHT_RANGE (type 4): ok",
    "weight above maxWeight -> CAPOS_ERR_SCHED_WEIGHT_RANGE (type 4): ok",
    "weight 2^32-1 -> CAPOS_ERR_SCHED_WEIGHT_RANGE (type 4): ok",
    "another process's thread -> CAPOS_ERR_SCHED_NO_SUCH_THREAD (type 4): ok",
    "no such thread -> CAPOS_ERR_SCHED_NO_SUCH_THREAD (type 4): ok",
    "forged cap id -> CAPOS_ERR_CAP_BAD_ID (type -1): ok",
    "wrong interface (a Timer) -> CAPOS_ERR_CAP_WRONG_INTERFACE (type -1): ok",
    "weight 1 -> CAPOS_OK (type -1): ok",
    "stale (released) cap -> CAPOS_ERR_CAP_STALE (type -1): ok",
]


def boot():
    return Boot(mode="direct", mem="128M", smp=1, timeout=120, modules=[MODULE],
                extra=list(ICOUNT))


def com2_lines(result):
    text = result.com2 if isinstance(result.com2, str) else ""
    return [line.strip() for line in text.splitlines()]


def hostile_judge(result):
    lines = com2_lines(result)
    got = [line[len("schedspin: "):] for line in lines
           if line.startswith("schedspin: ") and " -> " in line]
    want = HOSTILE + ["weight 2 -> CAPOS_OK (type -1): ok"]
    missing = [w for w in want if w not in got]
    extra = [g for g in got if g not in want]
    return ([f"missing: {m}" for m in missing] + [f"unexpected: {e}" for e in extra])


class FairTest(Test):
    """The boot's two counts: their ratio within TOLERANCE of WANT_RATIO, printed."""
    ratio = None

    def run(self):
        out = super().run()
        if FairTest.ratio is not None:
            out.desc += f" (measured {FairTest.ratio:.3f})"
        return out


def fair_judge(result):
    counts = {}
    for line in com2_lines(result):
        m = COUNT.search(line)
        if m:
            counts[int(m.group(1))] = int(m.group(2))
    if sorted(counts) != [1, 2] or counts[1] == 0:
        return [f"want one count per weight 1 and 2, got {counts}"]
    FairTest.ratio = counts[2] / counts[1]
    lo, hi = WANT_RATIO * (1 - TOLERANCE), WANT_RATIO * (1 + TOLERANCE)
    if not lo <= FairTest.ratio <= hi:
        return [f"weight 2 / weight 1 iterations {FairTest.ratio:.3f} outside [{lo}, {hi}] "
                f"({counts})"]
    return []


EXPECT = [BANNER, "[init] exited with status 0", SHUTDOWN_OK]

TESTS = [
    Test("sched-hostile", "SchedulingPolicy.setWeight twins: range, foreign and unknown "
         "thread, forged, wrong-interface and stale caps, each its exact error; clean "
         "shutdown", boot(), EXPECT, CLEAN_FORBIDDEN, EXIT_CLEAN, hostile_judge),
    FairTest("sched-fair", "weights 1 and 2 spinning over one 2 s window at -smp 1 get "
             "CPU 1:2 within 10%", boot(), EXPECT, CLEAN_FORBIDDEN, EXIT_CLEAN, fair_judge,
             single="shares of one CPU: with two, each spinner has a CPU of its own"),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
