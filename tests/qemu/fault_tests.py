#!/usr/bin/env python3
"""capOS kernel fault-report boot tests (kboot), under QEMU TCG.

Each deliberate fault (`selftest=pf|gp|df|stack`, kernel/selftest.h) must be reported
with its exact vector line, error code, full register dump, CR2, a backtrace symbolized
from the kernel's embedded table (arch_fault_test -> kmain), a `[panic]` line, and exit
status 35 without reaching the clean shutdown. These fail if the IDT, the trap report,
the #DF IST stack or the guard page is removed (mutation-checked: missing report ->
hang -> timeout; no IST or no IDT -> triple fault -> QEMU status 0). A positive boot
checks the CPU set-up lines; an unknown selftest name is a clear boot error.

Output follows tests/run.py: `ok <id> - desc` / `not ok <id> - reason`, `#` commentary.
CAPOS_BOOT_FILTER=substr runs a subset.
"""
import dataclasses
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, BUILD, EXIT_CLEAN, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402

HEX16 = r"0x[0-9a-f]{16}"
REGISTERS = [
    re.compile(rf"^\[trap\] rip {HEX16}  cs 0x0008  rflags 0x[0-9a-f]{{8}}$"),
    re.compile(rf"^\[trap\] rsp {HEX16}  ss 0x0010$"),
    re.compile(rf"^\[trap\] rax {HEX16}  rbx {HEX16}  rcx {HEX16}$"),
    re.compile(rf"^\[trap\] rdx {HEX16}  rsi {HEX16}  rdi {HEX16}$"),
    re.compile(rf"^\[trap\] rbp {HEX16}  r8  {HEX16}  r9  {HEX16}$"),
    re.compile(rf"^\[trap\] r10 {HEX16}  r11 {HEX16}  r12 {HEX16}$"),
    re.compile(rf"^\[trap\] r13 {HEX16}  r14 {HEX16}  r15 {HEX16}$"),
    re.compile(rf"^\[trap\] cr0 {HEX16}  cr3 {HEX16}  cr4 {HEX16}$"),
]
BACKTRACE = [
    "[trap] backtrace:",
    re.compile(rf"^\[trap\]   #0  {HEX16} (arch_fault_test|fault_\w+)\+0x[0-9a-f]+$"),
    re.compile(rf"^\[trap\]   #\d+ +{HEX16} selftest_fault\+0x[0-9a-f]+$"),
    re.compile(rf"^\[trap\]   #\d+ +{HEX16} kmain\+0x[0-9a-f]+$"),
]


def fault(vector, mnemonic, name, error, cr2):
    """Markers of one fault report, in order."""
    return ([BANNER,
             re.compile(rf"^\[trap\] fault: vector {vector} {re.escape(mnemonic)} "
                        rf"\({name}\) error {error} in kernel mode$")]
            + REGISTERS + [cr2] + BACKTRACE
            + [re.compile(rf"^\[panic\] unhandled {re.escape(mnemonic)} "),
               "[panic] halting (status 0x11)"])


@dataclasses.dataclass
class Test:
    id: str
    desc: str
    boot: Boot
    expect: list
    forbid: list
    status: int = EXIT_PANIC
    check: object = None    # extra check(result) -> list of problems


def stack_cr2_in_guard(result):
    """selftest=stack: CR2 must lie in the guard page the self-test announced."""
    guard = cr2 = None
    for _, line in result.com1:
        m = re.search(r"^\[selftest\] stack: touching (0x[0-9a-f]+),", line)
        if m:
            guard = int(m.group(1), 16)
        m = re.search(r"^\[trap\] cr2 (0x[0-9a-f]+)", line)
        if m:
            cr2 = int(m.group(1), 16)
    if guard is None or cr2 is None:
        return ["no guard address or no cr2 line"]
    if not guard <= cr2 < guard + 4096:
        return [f"cr2 {cr2:#x} outside the guard page {guard:#x}"]
    return []


TESTS = [
    Test("kboot-cpu-setup", "clean boot: descriptor tables, features, symbol table, shutdown",
         Boot(mode="direct"),
         [BANNER, "[cpu] gdt, tss (ist: nmi df mc) and idt (256 vectors) loaded",
          re.compile(r"^\[cpu\] features: "), re.compile(r"^\[cpu\] enabled: nx wp smep smap umip"),
          re.compile(r"^\[boot\] symbol table: [1-9]\d{2,} symbols$"),
          re.compile(r"^\[boot\] ready: 1 cpu\(s\), [1-9]\d+ KiB free, timer 100 Hz$"),
          SHUTDOWN_OK],
         ["[panic]", "[trap]", "[boot] error:"], status=EXIT_CLEAN),
    Test("selftest-pf", "selftest=pf: vector 14 #PF, error 0x2, cr2, registers, backtrace",
         Boot(mode="direct", cmdline="selftest=pf"),
         fault(14, "#PF", "page fault", "0x2",
               "[trap] cr2 0x00000dead0000000 (not present, write, kernel mode)"),
         [SHUTDOWN_OK]),
    Test("selftest-gp", "selftest=gp: vector 13 #GP, error 0, registers, backtrace",
         Boot(mode="direct", cmdline="selftest=gp"),
         fault(13, "#GP", "general protection fault", "0", re.compile(r"^\[trap\] cr2 ")),
         [SHUTDOWN_OK]),
    Test("selftest-df", "selftest=df: #PF on an unmapped stack escalates to vector 8 #DF (IST)",
         Boot(mode="direct", cmdline="selftest=df"),
         fault(8, "#DF", "double fault", "0", "[trap] cr2 0x00000dead0000ff8"),
         [SHUTDOWN_OK, "vector 14 #PF"]),
    Test("selftest-stack", "selftest=stack: boot stack overflow hits its guard page -> #DF",
         Boot(mode="direct", cmdline="selftest=stack"),
         [BANNER, "[selftest] stack: touching",
          re.compile(r"^\[trap\] fault: vector 8 #DF \(double fault\) error 0 in kernel mode$"),
          re.compile(rf"^\[trap\]   #0  {HEX16} fault_stack_recurse\+"),
          "[trap]   ... (truncated at 32 frames)", "[panic] unhandled #DF"],
         [SHUTDOWN_OK], check=stack_cr2_in_guard),
    Test("selftest-df-bios", "selftest=df through GRUB (Multiboot2, SeaBIOS): same report",
         Boot(mode="bios", iso=os.path.join(BUILD, "tests", "qemu", "selftest-df.iso")),
         fault(8, "#DF", "double fault", "0", "[trap] cr2 0x00000dead0000ff8"),
         [SHUTDOWN_OK]),
    Test("selftest-unknown", "selftest=bogus: clear boot error, no fault, exit 35",
         Boot(mode="direct", cmdline="selftest=bogus"),
         [BANNER, "[selftest] error: unknown or empty selftest= value"],
         [SHUTDOWN_OK, "[trap]"]),
]


def main():
    filt = os.environ.get("CAPOS_BOOT_FILTER", "")
    failed = 0
    for t in TESTS:
        if filt not in t.id:
            continue
        try:
            result = harness.run(t.boot, t.id)
        except FileNotFoundError as e:
            print(f"not ok {t.id} - {e}", flush=True)
            failed += 1
            continue
        problems = harness.check(result, t.expect, t.forbid, t.status)
        if t.check and not result.timed_out:
            problems += t.check(result)
        if not problems:
            print(f"ok {t.id} - {t.desc} ({result.elapsed:.2f}s)", flush=True)
            continue
        failed += 1
        print(f"not ok {t.id} - {problems[0]}", flush=True)
        for line in harness.describe_failure(result, problems):
            print(f"#   {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
