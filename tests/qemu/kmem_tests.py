#!/usr/bin/env python3
"""kmem boot tests: the memory core seen from a booted kernel (QEMU TCG, direct load
unless stated). Checks the `[mm] memory:` report and its arithmetic, the final page
tables and heap smoke lines, memory above 4 GiB, and the hostile twins that must end
in a typed report and status 35: a write to the boot stack's guard page (#PF with CR2
inside the guard page), a write to .rodata and a call into .data (protection #PFs at the
probed address: per-section permissions and NX are live in the hardware tables), a read
through the old identity map (not-present #PF), a heap double free and a one-byte heap
overflow (typed panics).

Same output contract as boot_tests.py (`ok <id> - desc` / `not ok <id> - reason`) and
the same harness (tests/qemu/harness.py). Needs build/capos.elf, build/manifest.bin and
build/capos.iso. CAPOS_BOOT_FILTER=substr runs only matching ids.
"""
import concurrent.futures
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402

MEMORY = re.compile(r"^\[mm\] memory: total (\d+) KiB, usable (\d+) KiB, "
                    r"free (\d+) frames \((\d+) KiB\)$")
TABLES = re.compile(r"^\[mm\] page tables: .*text R-X, rodata R--, data RW- NX\).*"
                    r"identity map gone")
HEAP_OK = re.compile(r"^\[mm\] heap: smoke ok .*debug checks on")
GUARD = re.compile(r"^\[mm\] selftest: writing to the boot stack guard page at (0x[0-9a-f]+)")
CR2 = re.compile(r"^\[trap\] cr2 (0x[0-9a-f]+) \(not present, write")
ANNOUNCED = re.compile(r"^\[mm\] selftest: \w+ .* (0x[0-9a-f]+)$")
ANY_CR2 = re.compile(r"^\[trap\] cr2 (0x[0-9a-f]+) \((.*)\)$")


def memory_numbers(result):
    for _, line in result.com1:
        m = MEMORY.match(line.strip())
        if m:
            return [int(x) for x in m.groups()]
    return None


def check_memory(mem_mib, lo_free_kib):
    """A clean boot whose [mm] memory line is self-consistent for mem_mib of RAM."""
    def judge(result):
        nums = memory_numbers(result)
        if nums is None:
            return ["no parsable [mm] memory line"]
        total, usable, frames, free_kib = nums
        problems = []
        if free_kib != frames * 4:
            problems.append(f"free {frames} frames is not {free_kib} KiB")
        if not lo_free_kib <= free_kib <= usable <= total:
            problems.append(f"expected {lo_free_kib} <= free {free_kib} <= usable {usable}"
                            f" <= total {total}")
        if usable > mem_mib * 1024:
            problems.append(f"usable {usable} KiB exceeds the {mem_mib} MiB of RAM")
        return problems
    return judge


def check_guard_cr2(result):
    """CR2 of the reported #PF must lie in the guard page the self-test announced."""
    guard = cr2 = None
    for _, line in result.com1:
        guard = guard or GUARD.match(line.strip())
        cr2 = cr2 or CR2.match(line.strip())
    if not guard or not cr2:
        return ["guard address or CR2 line missing"]
    g, c = int(guard.group(1), 16), int(cr2.group(1), 16)
    return [] if g <= c < g + 4096 else [f"cr2 {c:#x} outside guard page {g:#x}"]


def check_cr2_exact(kind):
    """CR2 must equal the address the self-test announced, with this fault kind
    (e.g. "protection violation, write")."""
    def judge(result):
        said = cr2 = None
        for _, line in result.com1:
            said = said or ANNOUNCED.match(line.strip())
            cr2 = cr2 or ANY_CR2.match(line.strip())
        if not said or not cr2:
            return ["announced address or CR2 line missing"]
        problems = []
        if int(said.group(1), 16) != int(cr2.group(1), 16):
            problems.append(f"cr2 {cr2.group(1)} is not the probed {said.group(1)}")
        if not cr2.group(2).startswith(kind):
            problems.append(f"fault kind '{cr2.group(2)}', expected '{kind}'")
        return problems
    return judge


def page_fault_test(id, desc, cmdline, kind):
    return hostile(id, desc, cmdline, [re.compile(r"^\[trap\].*\bvector 14\b"), ANY_CR2,
                                       "[panic]"], check_cr2_exact(kind))


def clean(id, desc, boot, judge):
    return (id, desc, boot, [BANNER, MEMORY, TABLES, HEAP_OK, SHUTDOWN_OK],
            CLEAN_FORBIDDEN, EXIT_CLEAN, judge)


def hostile(id, desc, cmdline, expect, judge=None):
    return (id, desc, Boot(mode="direct", cmdline=cmdline), [BANNER, HEAP_OK] + expect,
            [SHUTDOWN_OK, "selftest: error"], EXIT_PANIC, judge)


TESTS = [
    clean("mm-direct-128m", "direct load, -m 128M: [mm] memory line consistent, W^X tables,"
          " heap smoke", Boot(mode="direct", mem="128M"), check_memory(128, 120 * 1024)),
    clean("mm-bios-128m", "BIOS ISO (Multiboot2), -m 128M: [mm] memory line consistent",
          Boot(mode="bios", mem="128M"), check_memory(128, 120 * 1024)),
    clean("mm-direct-5g", "direct load, -m 5G: memory above 4 GiB managed and direct-mapped",
          Boot(mode="direct", mem="5G"), check_memory(5 * 1024, 5 * 1024 * 1024 - 8192)),
    hostile("mm-stack-guard", "selftest=stackguard: write to the boot stack guard page is a"
            " #PF (vector 14) with CR2 in the guard page, exit 35", "selftest=stackguard",
            [GUARD, re.compile(r"^\[trap\].*\bvector 14\b"), CR2, "[panic]"], check_guard_cr2),
    page_fault_test("mm-write-rodata", "selftest=write-rodata: a write to .rodata is a"
                    " protection #PF at that address (W^X, CR0.WP)", "selftest=write-rodata",
                    "protection violation, write"),
    page_fault_test("mm-exec-data", "selftest=exec-data: calling into .data is an"
                    " instruction-fetch #PF (NX)", "selftest=exec-data",
                    "protection violation, instruction fetch"),
    page_fault_test("mm-identity-gone", "selftest=identity: a read through the boot identity"
                    " map is a not-present #PF", "selftest=identity", "not present, read"),
    hostile("mm-heap-double-free", "selftest=heap-double-free: typed heap panic, exit 35",
            "selftest=heap-double-free",
            [re.compile(r"^\[panic\] heap: double free at .*CAPOS_ERR_HEAP_DOUBLE_FREE")]),
    hostile("mm-heap-overflow", "selftest=heap-overflow: one-byte overrun is a typed heap"
            " panic, exit 35", "selftest=heap-overflow",
            [re.compile(r"^\[panic\] heap: block overrun at .*CAPOS_ERR_HEAP_OVERFLOW")]),
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
