#!/usr/bin/env python3
"""Runs every capOS test suite and prints the closing line `N passed, N failed`.

A suite is an executable (a host test binary, a QEMU harness script, a fuzz smoke
wrapper) named on the command line. It prints one line per test case:
    ok <id> [- description]
    not ok <id> [- reason]
and any other lines as commentary. A suite that exits non-zero without reporting a
failure, or that reports nothing at all, counts as one failed case (a crash, a build
mistake or a harness bug must never read as success). Suites run two at a time (the
machines have two cores); each suite's output is printed whole when it finishes.

Environment: CAPOS_TEST_FILTER=substr runs only suites whose path contains substr;
CAPOS_TEST_SMP="1 2 4" (the default; `make test SMP="1 2"` sets it) the CPU counts every
QEMU suite runs each of its tests at (tests/qemu/suite.py), checked here first so that a
count the suites do not know fails the run at once, as one failed case.
"""
import concurrent.futures
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "qemu"))
import suite as qemu_suite  # noqa: E402 - the CPU-count axis (smp_counts)

RESULT = re.compile(r"^(not ok|ok)\s+(\S+)(.*)$")
SUITE_TIMEOUT_S = 1500


def run_suite(path):
    start = time.monotonic()
    try:
        proc = subprocess.run([path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=SUITE_TIMEOUT_S, text=True, errors="replace")
        out, rc = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        out += f"\nnot ok {os.path.basename(path)}:timeout - suite exceeded {SUITE_TIMEOUT_S}s\n"
        rc = -1
    except OSError as e:
        out, rc = f"not ok {os.path.basename(path)}:exec - {e}\n", -1
    return path, out, rc, time.monotonic() - start


def tally(path, out, rc):
    passed = failed = 0
    failures = []
    for line in out.splitlines():
        m = RESULT.match(line)
        if not m:
            continue
        if m.group(1) == "ok":
            passed += 1
        else:
            failed += 1
            failures.append(line)
    if rc != 0 and failed == 0:
        failed += 1
        failures.append(f"not ok {os.path.basename(path)}:exit - exited {rc} without reporting a failure")
    if passed == 0 and failed == 0:
        failed += 1
        failures.append(f"not ok {os.path.basename(path)}:empty - reported no test at all")
    return passed, failed, failures


def main(argv):
    suites = argv[1:]
    try:
        counts = qemu_suite.smp_counts()
    except ValueError as e:
        print(f"not ok run:smp - {e}\n=== failures\nnot ok run:smp - {e}\n0 passed, 1 failed")
        return 1
    print(f"=== QEMU suites at -smp {' '.join(map(str, counts))} "
          f"({qemu_suite.SMP_ENV}; ids <test>@smp<n>)", flush=True)
    filt = os.environ.get("CAPOS_TEST_FILTER")
    if filt:
        suites = [s for s in suites if filt in s]
    total_pass = total_fail = 0
    all_failures = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for path, out, rc, secs in pool.map(run_suite, suites):
            print(f"=== {path} ({secs:.1f}s)", flush=True)
            sys.stdout.write(out if out.endswith("\n") or not out else out + "\n")
            p, f, failures = tally(path, out, rc)
            total_pass += p
            total_fail += f
            all_failures += failures
    if all_failures:
        print("=== failures")
        for line in all_failures:
            print(line)
    print(f"{total_pass} passed, {total_fail} failed")
    return 0 if total_fail == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
