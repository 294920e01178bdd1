#!/usr/bin/env python3
"""kproc boot tests (QEMU TCG, direct load): every boot must pass the user address
space smoke test ("[proc] vm smoke ok": map/unmap, W^X, quota, shared kernel half, and
every frame back after vm_destroy). User processes come with the next commit.

Output: `ok <id> - desc` / `not ok <id> - reason` (tests/run.py). CAPOS_BOOT_FILTER=substr
runs a subset.
"""
import concurrent.futures
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402

VM_SMOKE = re.compile(r"^\[proc\] vm smoke ok: ")
DONE = re.compile(r"^\[utest\] (\w+): all processes gone, free frames (\d+) "
                  r"\(baseline (\d+)\), (\d+) context switches$")
FORBID = CLEAN_FORBIDDEN + ["error:", "code 99"]


def lines(result):
    return [line.strip() for _, line in result.com1]


def check_baseline(result):
    for line in lines(result):
        m = DONE.match(line)
        if m:
            return [] if m.group(2) == m.group(3) else [f"frames not returned: {line}"]
    return ["no '[utest] ...: all processes gone' line"]


def killed(name, pid, vec, rip, addr, error):
    return re.compile(rf"^\[proc\] {name} pid {pid} killed: {re.escape(vec)} at rip {rip} "
                      rf"addr {addr} \(error {error}\)$")


def reaped(name, pid):
    return re.compile(rf"^\[proc\] {name} pid {pid} reaped: \d+ user page\(s\), "
                      rf"\d+ table frame\(s\) freed")


def both_ran_before_either_ended(result):
    """spin2: each spinner's first run precedes the first exit; each was preempted."""
    problems = []
    first_exit = None
    starts = {}
    preempted = {}
    for i, line in enumerate(lines(result)):
        m = re.match(r"^\[sched\] spin pid (\d+) tid \d+: first run$", line)
        if m:
            starts[m.group(1)] = i
        m = re.match(r"^\[proc\] spin pid (\d+) exited: code 0 \(preempted (\d+) times\)$",
                     line)
        if m:
            preempted[m.group(1)] = int(m.group(2))
            first_exit = i if first_exit is None else first_exit
    if sorted(starts) != ["1", "2"] or sorted(preempted) != ["1", "2"]:
        return [f"expected pids 1 and 2 to start and exit 0; started {sorted(starts)}, "
                f"exited 0 {sorted(preempted)}"]
    if max(starts.values()) > first_exit:
        problems.append("one spinner only started after the other ended: no preemption")
    for pid, n in preempted.items():
        if n < 1:
            problems.append(f"spin pid {pid} was never preempted")
    return problems


def sleep_judge(result):
    text = lines(result)
    problems = []
    slept = [re.match(r"^\[utest\] sleep: asked 50 ms, slept (\d+) ms, timed out$", l)
             for l in text]
    slept = [(i, int(m.group(1))) for i, m in enumerate(slept) if m]
    spin_start = [i for i, l in enumerate(text) if l.startswith("[sched] spin pid 2")]
    if not slept or not spin_start:
        return ["missing sleep report or spinner start"]
    if slept[0][1] < 50:
        problems.append(f"slept only {slept[0][1]} ms of 50")
    if spin_start[0] > slept[0][0]:
        problems.append("the spinner did not run while the sleeper was blocked")
    return problems


def combine(*judges):
    def judge(result):
        out = []
        for j in judges:
            out += j(result)
        return out
    return judge


def scenario(id, desc, name, expect, judge=None, cpu="max", pre=()):
    return (id, desc, Boot(mode="direct", cmdline=f"utest={name}", cpu=cpu),
            [BANNER] + list(pre) + [VM_SMOKE, f"[utest] {name}: start"] + expect + [DONE, SHUTDOWN_OK],
            FORBID, EXIT_CLEAN, combine(check_baseline, judge) if judge else check_baseline)


BADPTR_CALLS = [
    ("copyin", r"0x7fffffeffff8", 8, "36 "),
    ("copyin", r"0xffff800000000000", 8, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyin", r"0x10000000", 8, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyin", r"0x7fffffffeff8", 16, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyin", r"0xfffffffffffffff8", 16, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyin", r"0x7fffffeffff8", 16, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyin", r"0x800000000000", 1, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyin", r"0", 8, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyout", r"0x400000", 8, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyout", r"0x7fffffefffb8", 8, "0 "),
    ("copyout", r"0xffffffff80100000", 8, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyin", r"0x7fffffefffb8", 65, "-1 CAPOS_ERR_INVALID"),
]

TESTS = [
    ("proc-vm-smoke", "user address space: map/unmap, W^X, quota, shared kernel half,"
     " every frame back after destroy", Boot(mode="direct"), [BANNER, VM_SMOKE, SHUTDOWN_OK],
     FORBID, EXIT_CLEAN, None),
]


def run_test(test):
    id, desc, boot, expect, forbid, status, judge = test
    try:
        result = harness.run(boot, id)
    except FileNotFoundError as e:
        return id, desc, [str(e)], []
    problems = harness.check(result, expect, forbid, status)
    if not problems and judge:
        problems = judge(result)
    details = harness.describe_failure(result, problems) if problems else []
    return id, desc, problems, details


def main():
    filt = os.environ.get("CAPOS_BOOT_FILTER", "")
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for id, desc, problems, details in pool.map(run_test,
                                                    [t for t in TESTS if filt in t[0]]):
            if not problems:
                print(f"ok {id} - {desc}", flush=True)
                continue
            failed += 1
            print(f"not ok {id} - {problems[0]}", flush=True)
            for line in details or [f"reason: {p}" for p in problems]:
                print(f"#   {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
