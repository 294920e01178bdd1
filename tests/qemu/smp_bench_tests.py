#!/usr/bin/env python3
"""The SMP benchmark's capOS program works (user/smpbench as smpcheck; bench/smp/).

Boots the focused manifest system/tests/smpcheck.capnp under -smp 2: init is
user/smpcheck, the benchmark program with a tiny job (96 chunks). Not a timed test:
the figures are not judged, only that the tool computes the right thing.

  smp-bench-check  COM2: proc-1 and proc-2 lines whose checksum equals the Python
                   reference (bench/smp/smp_bench.py py_reference, an independent
                   implementation of bench/smp/smp_work.c's job), parts as configured,
                   0 < work <= total; pingpong-proc's 50 park/unpark round trips
                   between two processes (SharedParkSpace) done; thread-1, thread-2 and
                   pingpong either checked the same way or `unavailable` (libcapos
                   threads not there yet); the hostile twins: a worker handed an uninitialised job and
                   one handed a job with no part left each exit 3 and the starter
                   reports CAPOS_ERR_INVALID, and bad splits are refused.
                   COM1: four workers exit 0 then two exit 3, init exits 0, frames
                   and kernel objects back at their baselines, clean shutdown.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "bench", "smp"))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, run_suite  # noqa: E402
import smp_bench  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "smpcheck.manifest")
CHUNKS = 96  # user/smpbench/quick.c
OK_CFGS = ["proc-1", "proc-2", "pingpong-proc", "thread-1", "thread-2", "pingpong"]
LATER_CFGS = {}
ROUNDS = 50  # user/smpbench/quick.c
CHECKS = ["smp-check uninitialised job: CAPOS_ERR_INVALID",
          "smp-check no part left: CAPOS_ERR_INVALID",
          "smp-check bad splits refused: yes"]

BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")
OBJECTS = re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$")
EXIT0 = re.compile(r"^\[proc\] w pid \d+ exited: code 0 ")
EXIT3 = re.compile(r"^\[proc\] w pid \d+ exited: code 3 ")


def judge(result):
    lines = result.com2.splitlines()
    try:
        got = smp_bench.parse_output(lines)
    except smp_bench.ParseError as e:
        return [f"unparsable smp line: {e}"]
    ref = (CHUNKS, smp_bench.py_reference(CHUNKS))
    problems = []
    for cfg in OK_CFGS + list(LATER_CFGS):
        r = got.get(cfg)
        if r is None:
            problems.append(f"no line for {cfg}")
        elif r.status == "ok":
            problems += smp_bench.check_result(r, *ref)
            if cfg in smp_bench.PINGPONGS and (r.fields["rounds"] != ROUNDS or
                                              r.fields["total_ns"] == 0):
                problems.append(f"{cfg}: {r.fields}, expected {ROUNDS} timed rounds")
        elif cfg in OK_CFGS or (r.status, r.reason) != ("unavailable", LATER_CFGS[cfg]):
            problems.append(f"{cfg}: {r.status} reason={r.reason}")
    missing = [c for c in CHECKS if c not in lines]
    return problems + [f"COM2 lacks {c!r}" for c in missing]


TESTS = [
    Test("smp-bench-check", "the SMP benchmark's job on 1 and 2 capOS processes and threads "
         "computes the reference checksum, the process and thread park/unpark ping-pongs "
         "complete; workers handed a bad job exit 3 and are reported",
         Boot(mode="direct", mem="128M", smp=2, timeout=90, modules=[MODULE]),
         [BANNER, EXIT0, EXIT0, EXIT0, EXIT0, EXIT3, EXIT3,
          "[proc] smpcheck pid 1 exited: code 0", "[init] exited with status 0",
          BASELINE, OBJECTS, SHUTDOWN_OK],
         CLEAN_FORBIDDEN, EXIT_CLEAN, judge),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
