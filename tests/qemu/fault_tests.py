#!/usr/bin/env python3
"""capOS kernel fault-report boot tests (kboot), under QEMU TCG.

Each deliberate fault (`selftest=pf|gp|df|stack`, kernel/selftest.h) must be reported
with its exact vector line, error code, full register dump, CR2, a backtrace symbolized
from the kernel's embedded table (arch_fault_test -> kmain), a `[panic]` line, and exit
status 35 without reaching the clean shutdown. These fail if the IDT, the trap report,
the #DF IST stack or the guard page is removed (mutation-checked: missing report ->
hang -> timeout; no IST or no IDT -> triple fault -> QEMU status 0). A positive boot
checks the CPU set-up lines (and the IST stacks' layout); an unknown selftest name is a
clear boot error. NMI is not fatal: `selftest=nmi` waits for an NMI that the harness
injects through QMP (`inject-nmi`) once the kernel says it waits; the handler must
report it from the NMI IST stack (RSP inside it, trap frame at its top) and the boot
must end cleanly. Its twin gets no NMI and must end in CAPOS_ERR_SELFTEST_NO_NMI.

Output follows tests/run.py: `ok <id> - desc` / `not ok <id> - reason`, `#` commentary.
CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BANNER, BUILD, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402
from suite import HEX16, PerSmp, Test, all_of, cr2_in_page, first_match, run_suite  # noqa: E402

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


def fault_test(id, desc, boot, expect, forbid, judge=None):
    """A boot that must end in a fault report: status 35, never the clean shutdown."""
    return Test(id, desc, boot, expect, forbid, status=EXIT_PANIC, judge=judge)


# selftest=stack announces the guard page it runs into; CR2 must lie inside it.
STACK_GUARD = re.compile(r"^\[selftest\] stack: touching (0x[0-9a-f]+),")

# The IST stacks as loaded in the TSS: [lo, hi) for nmi, df, mc.
IST_STACKS = re.compile(rf"^\[cpu\] ist stacks: nmi \[({HEX16}), ({HEX16})\) "
                        rf"df \[({HEX16}), ({HEX16})\) mc \[({HEX16}), ({HEX16})\)$")
IST_STACK_SIZE = 0x2000
TRAP_FRAME_SIZE = 176       # struct arch_trap_frame: 15 GPRs, vector, error, CPU frame
KERNEL_HALF = 0xFFFF800000000000

# selftest=nmi: the kernel says it waits, the harness injects an NMI through QMP, the
# handler reports where it ran and returns, the boot goes on to a clean shutdown.
NMI_WAITING = "[selftest] nmi: waiting up to 300 ticks for an NMI"
INJECT_NMI = (NMI_WAITING, {"execute": "inject-nmi"})
NMI_REPORT = re.compile(rf"^\[trap\] nmi on ist stack: rsp ({HEX16}) frame ({HEX16}) ist1 "
                        rf"\[({HEX16}), ({HEX16})\); interrupted rip ({HEX16}) "
                        rf"\(\w+\+0x[0-9a-f]+\) rsp ({HEX16}); continuing$")


def ist_ranges(result):
    """[(lo, hi)] for nmi, df, mc from the [cpu] ist stacks line, or None."""
    m = first_match(result, IST_STACKS)
    if m is None:
        return None
    v = [int(x, 16) for x in m.groups()]
    return list(zip(v[0::2], v[1::2]))


def ist_layout_judge(result):
    """Each IST stack is IST_STACK_SIZE bytes in the kernel half; they do not overlap and
    each has at least a page (its guard page) below it that no other stack uses."""
    ranges = ist_ranges(result)
    if ranges is None:
        return ["no parsable [cpu] ist stacks line"]
    problems = [f"ist stack [{lo:#x}, {hi:#x}) is not {IST_STACK_SIZE:#x} bytes in the kernel "
                f"half" for lo, hi in ranges if hi - lo != IST_STACK_SIZE or lo < KERNEL_HALF]
    ordered = sorted(ranges)
    for (_, hi), (lo, _) in zip(ordered, ordered[1:]):
        if lo < hi + 4096:
            problems.append(f"ist stack at {lo:#x} has no guard page above the one ending "
                            f"at {hi:#x}")
    return problems


def nmi_on_ist_judge(result):
    """The NMI report's numbers: the range is the NMI IST stack the CPU set-up announced,
    the handler's RSP lies inside it, the CPU-pushed frame sits exactly at its top (RSP
    was loaded from TSS.IST1), and the interrupted code ran on another kernel stack."""
    ranges, m = ist_ranges(result), first_match(result, NMI_REPORT)
    if ranges is None or m is None:
        return ["no parsable [cpu] ist stacks or [trap] nmi line"]
    rsp, frame, lo, hi, rip, old_rsp = (int(m.group(i), 16) for i in (1, 2, 3, 4, 5, 6))
    problems = []
    if (lo, hi) != ranges[0]:
        problems.append(f"nmi ran on [{lo:#x}, {hi:#x}), not the announced NMI IST stack "
                        f"[{ranges[0][0]:#x}, {ranges[0][1]:#x})")
    if not lo <= rsp < hi:
        problems.append(f"handler rsp {rsp:#x} outside [{lo:#x}, {hi:#x})")
    if frame + TRAP_FRAME_SIZE != hi:
        problems.append(f"trap frame at {frame:#x} does not end at the IST top {hi:#x}")
    if lo <= old_rsp < hi or old_rsp < KERNEL_HALF:
        problems.append(f"interrupted rsp {old_rsp:#x} is not another kernel stack")
    if rip < KERNEL_HALF:
        problems.append(f"interrupted rip {rip:#x} is not kernel code")
    return problems

# The boot's summary names the CPUs the MADT lists: the count under test (suite.py's axis).
READY = PerSmp(lambda n: re.compile(
    rf"^\[boot\] ready: {n} cpu\(s\), [1-9]\d+ KiB free, timer 100 Hz$"))

TESTS = [
    Test("kboot-cpu-setup", "clean boot: descriptor tables, features, symbol table, shutdown",
         Boot(mode="direct"),
         [BANNER, "[cpu] gdt, tss (ist: nmi df mc) and idt (256 vectors) loaded", IST_STACKS,
          re.compile(r"^\[cpu\] features: "), re.compile(r"^\[cpu\] enabled: nx wp smep smap umip"),
          re.compile(r"^\[boot\] symbol table: [1-9]\d{2,} symbols$"),
          READY, SHUTDOWN_OK],
         ["[panic]", "[trap]", "[boot] error:"], judge=ist_layout_judge),
    fault_test("selftest-pf", "selftest=pf: vector 14 #PF, error 0x2, cr2, registers, backtrace",
               Boot(mode="direct", cmdline="selftest=pf"),
               fault(14, "#PF", "page fault", "0x2",
                     "[trap] cr2 0x00000dead0000000 (not present, write, kernel mode)"),
               [SHUTDOWN_OK]),
    fault_test("selftest-gp", "selftest=gp: vector 13 #GP, error 0, registers, backtrace",
               Boot(mode="direct", cmdline="selftest=gp"),
               fault(13, "#GP", "general protection fault", "0", re.compile(r"^\[trap\] cr2 ")),
               [SHUTDOWN_OK]),
    fault_test("selftest-df", "selftest=df: #PF on an unmapped stack escalates to vector 8 "
               "#DF (IST)",
               Boot(mode="direct", cmdline="selftest=df"),
               fault(8, "#DF", "double fault", "0", "[trap] cr2 0x00000dead0000ff8"),
               [SHUTDOWN_OK, "vector 14 #PF"]),
    fault_test("selftest-stack", "selftest=stack: boot stack overflow hits its guard page -> #DF",
               Boot(mode="direct", cmdline="selftest=stack"),
               [BANNER, "[selftest] stack: touching",
                re.compile(r"^\[trap\] fault: vector 8 #DF \(double fault\) error 0 in kernel "
                           r"mode$"),
                re.compile(rf"^\[trap\]   #0  {HEX16} fault_stack_recurse\+"),
                "[trap]   ... (truncated at 32 frames)", "[panic] unhandled #DF"],
               [SHUTDOWN_OK], judge=cr2_in_page(STACK_GUARD)),
    fault_test("selftest-df-bios", "selftest=df through GRUB (Multiboot2, SeaBIOS): same report",
               Boot(mode="bios", iso=os.path.join(BUILD, "tests", "qemu", "selftest-df.iso")),
               fault(8, "#DF", "double fault", "0", "[trap] cr2 0x00000dead0000ff8"),
               [SHUTDOWN_OK]),
    # NMI is not fatal: reported from its IST stack, returned from, boot continues.
    Test("selftest-nmi", "selftest=nmi + QMP inject-nmi: handler runs on the NMI IST stack "
         "(rsp inside it, frame at its top), returns, clean shutdown",
         Boot(mode="direct", cmdline="selftest=nmi", monitor=[INJECT_NMI]),
         [BANNER, IST_STACKS, NMI_WAITING, NMI_REPORT,
          re.compile(r"^\[selftest\] nmi: 1 handled within \d+ ticks; continuing$"),
          READY, SHUTDOWN_OK],
         ["[panic]", "[trap] fault", "[trap] nested", "off its ist stack",
          re.compile(r"^\[[\w-]+\] error:")],
         judge=all_of(ist_layout_judge, nmi_on_ist_judge)),
    # Twin: nobody injects the NMI, so the wait must end in a typed panic, not a pass.
    fault_test("selftest-nmi-none", "selftest=nmi without an NMI: CAPOS_ERR_SELFTEST_NO_NMI "
               "panic after the 300-tick wait, exit 35",
               Boot(mode="direct", cmdline="selftest=nmi"),
               [BANNER, NMI_WAITING, re.compile(r"^\[panic\] selftest nmi: "
                                                r"CAPOS_ERR_SELFTEST_NO_NMI after 300 ticks$")],
               [SHUTDOWN_OK, "[trap]"]),
    fault_test("selftest-unknown", "selftest=bogus: clear boot error, no fault, exit 35",
               Boot(mode="direct", cmdline="selftest=bogus"),
               [BANNER, "[selftest] error: unknown or empty selftest= value"],
               [SHUTDOWN_OK, "[trap]"]),
]


if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
