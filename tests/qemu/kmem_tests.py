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
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BANNER, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402
from suite import (ANY_CR2, MEMORY, Test, cr2_in_page, first_match, memory_judge,  # noqa: E402
                   run_suite)

TABLES = re.compile(r"^\[mm\] page tables: .*text R-X, rodata R--, data RW- NX\).*"
                    r"identity map gone")
HEAP_OK = re.compile(r"^\[mm\] heap: smoke ok .*debug checks on")
GUARD = re.compile(r"^\[mm\] selftest: writing to the boot stack guard page at (0x[0-9a-f]+)")
CR2 = re.compile(r"^\[trap\] cr2 (0x[0-9a-f]+) \(not present, write")
ANNOUNCED = re.compile(r"^\[mm\] selftest: \w+ .* (0x[0-9a-f]+)$")


def check_cr2_exact(kind):
    """CR2 must equal the address the self-test announced, with this fault kind
    (e.g. "protection violation, write")."""
    def judge(result):
        said, cr2 = first_match(result, ANNOUNCED), first_match(result, ANY_CR2)
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
    return Test(id, desc, boot, [BANNER, MEMORY, TABLES, HEAP_OK, SHUTDOWN_OK], judge=judge)


def hostile(id, desc, cmdline, expect, judge=None):
    return Test(id, desc, Boot(mode="direct", cmdline=cmdline), [BANNER, HEAP_OK] + expect,
                [SHUTDOWN_OK, "selftest: error"], EXIT_PANIC, judge)


MEM_128M = memory_judge(max_mib=128, min_free_kib=120 * 1024)
MEM_5G = memory_judge(max_mib=5 * 1024, min_free_kib=5 * 1024 * 1024 - 8192)

TESTS = [
    clean("mm-direct-128m", "direct load, -m 128M: [mm] memory line consistent, W^X tables,"
          " heap smoke", Boot(mode="direct", mem="128M"), MEM_128M),
    clean("mm-bios-128m", "BIOS ISO (Multiboot2), -m 128M: [mm] memory line consistent",
          Boot(mode="bios", mem="128M"), MEM_128M),
    clean("mm-direct-5g", "direct load, -m 5G: memory above 4 GiB managed and direct-mapped",
          Boot(mode="direct", mem="5G"), MEM_5G),
    hostile("mm-stack-guard", "selftest=stackguard: write to the boot stack guard page is a"
            " #PF (vector 14) with CR2 in the guard page, exit 35", "selftest=stackguard",
            [GUARD, re.compile(r"^\[trap\].*\bvector 14\b"), CR2, "[panic]"],
            cr2_in_page(GUARD)),
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


if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
