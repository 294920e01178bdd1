#!/usr/bin/env python3
"""kproc boot tests: user processes before init exists (QEMU TCG, direct load).

Each boot runs one `utest=<name>` scenario (kernel/include/kernel/utest.h): tiny user
programs embedded in the kernel run in ring 3 in their own address spaces, reach the
kernel through SYSCALL, are preempted by the LAPIC tick, and exit or are killed; the
kernel then shuts down cleanly. Every scenario must end with the free-frame count equal
to its baseline before the first process was created, and every boot must pass the
address-space smoke test ("[proc] vm smoke ok"). Checks:
  exit    exit(7) reaches the kernel, the process is reaped, clean shutdown
  fault   #PF (unmapped write), #GP (non-canonical), #UD, #DE, a user read of kernel
          text (#PF protection), a privileged instruction, a user stack overflow: each
          process is killed with the exact vector, rip and address, and a later process
          still runs and exits 7
  kstack  a kernel stack overflow in a thread is a fatal #DF with CR2 in its guard page
  many    processes until kernel-stack slots (128M, threads=64) or frames (9-12 MiB of
          RAM) run out: CAPOS_ERR_NO_MEMORY, partial creations undone, the rest run and
          exit; threads=0/4097/lots is a boot error
  spin2   two spinning processes both start before either ends (preemption), each is
          preempted, and both keep their XMM/YMM registers (exit 0, not 1) and their
          FS/GS bases set with wrfsbase/wrgsbase (exit 0, not 2)
  spin2-fxsave  the same on a CPU without XSAVE/SMAP (-cpu qemu64: FXSAVE path)
  badptr  the copy syscalls answer exactly CAPOS_ERR_BAD_ADDRESS for kernel, unmapped,
          straddling, wrapping, non-canonical, null-guard and read-only pointers, and
          an unknown syscall number CAPOS_ERR_RING_BAD_SYSCALL
  sleep   a process blocked 50 ms in cap_enter on its empty ring lets the other run
          and wakes by timeout (returns 0)
  wake    a process blocked with no deadline is woken by another (sched_wake)
  iso     spin2 through the GRUB ISO (Multiboot2) under SeaBIOS
  sysbench  a null SYSCALL round trip costs at most 150 guest instructions (-icount);
          single-count (-smp 1, see ICOUNT_ONE_CLOCK)
  exit-icount  the exit scenario under -icount shift=0,sleep=off at every CPU count: the
          deterministic mode (single-threaded TCG, vCPUs round-robin) boots and runs
  regs    every GPR but RAX/RCX/R11 survives cap_enter, an unknown syscall and a faulting
          copy syscall unchanged; RCX is the return address and R11 the user RFLAGS
  elf     a real newlib + libcapos program (tests/qemu/user/proc_elf.c), passed as the
          boot module and loaded by the kernel's ELF loader: TLS (thread 0's block built
          by the loader, FS base at its TCB; .tdata, .tbss), .bss, heap (its "vm" cap),
          SSE and printf formatting all work: it exits 42
  elf-novm  the same granted no cap: malloc fails with ENOMEM, no crash: exit 43
  elf-spin  the same next to a spinner; elf-quota: a 64-frame quota refuses the load (QUOTA_FRAMES)
          with CAPOS_ERR_NO_MEMORY; hostile modules (not an ELF, truncated, W+X text
          segment) are refused with their exact CAPOS_ERR_ELF_* code; every frame
          comes back each time
  unknown utest name: a boot error (status 35), not a silent pass

Output and selection as every QEMU suite (tests/qemu/suite.py: run_suite, Test);
CAPOS_BOOT_FILTER=substr runs a subset. Every test runs at -smp 1, 2 and 4 (suite.py's
CPU-count axis) except proc-sysbench.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, all_of, run_suite  # noqa: E402

VM_SMOKE = re.compile(r"^\[proc\] vm smoke ok: ")
DONE = re.compile(r"^\[utest\] ([\w-]+): all processes gone, free frames (\d+) "
                  r"\(baseline (\d+)\), (\d+) context switches$")
FORBID = CLEAN_FORBIDDEN + ["error:", "code 99"]
USER_ELF = os.path.join(harness.BUILD, "user", "kproc", "proc_elf.elf")
HOSTILE_DIR = os.path.join(harness.BUILD, "tests", "qemu", "kproc")
SPIN2_ISO = os.path.join(harness.BUILD, "tests", "qemu", "utest-spin2.iso")


def hostile_elf(name, mutate):
    """A copy of the user ELF changed by mutate(bytearray) -> bytes, in HOSTILE_DIR."""
    os.makedirs(HOSTILE_DIR, exist_ok=True)
    path = os.path.join(HOSTILE_DIR, name)
    try:
        with open(USER_ELF, "rb") as f:
            data = bytearray(f.read())
    except FileNotFoundError:
        return USER_ELF  # the run reports the missing input
    with open(path, "wb") as f:
        f.write(mutate(data))
    return path


def make_wx(data):
    """Adds W to the first executable PT_LOAD (flags word of each 56-byte phdr)."""
    phoff = int.from_bytes(data[32:40], "little")
    phnum = int.from_bytes(data[56:58], "little")
    for i in range(phnum):
        off = phoff + 56 * i
        if int.from_bytes(data[off:off + 4], "little") == 1 and data[off + 4] & 1:
            data[off + 4] |= 2
            return bytes(data)
    raise ValueError("no executable PT_LOAD")


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


def boot_cpus(result):
    """CPUs the kernel reported at "[boot] ready: N cpu(s)" (1 if the line is missing)."""
    for line in lines(result):
        m = re.match(r"^\[boot\] ready: (\d+) cpu\(s\)", line)
        if m:
            return int(m.group(1))
    return 1


def both_ran_before_either_ended(result):
    """spin2: each spinner's first run precedes the first exit; on one CPU each was
    preempted (with two or more CPUs each may run on its own, unpreempted)."""
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
    if boot_cpus(result) == 1:
        for pid, n in preempted.items():
            if n < 1:
                problems.append(f"spin pid {pid} was never preempted")
    return problems


def sleep_judge(result):
    """The sleeper (cap_enter(1, 50 ms), exit 0 = timed out with 0 CQEs) blocked while
    the spinner ran: the spinner starts before the sleeper exits. (That the timeout
    lasts at least what was asked is measured with Timer.now by init's transcript.)"""
    text = lines(result)
    woke = [i for i, l in enumerate(text) if l.startswith("[proc] sleeper pid 1 exited")]
    spin_start = [i for i, l in enumerate(text) if l.startswith("[sched] spin pid 2")]
    if not woke or not spin_start:
        return ["missing sleeper exit or spinner start"]
    if spin_start[0] > woke[0]:
        return ["the spinner did not run while the sleeper was blocked"]
    return []


def kstack_cr2_in_guard(result):
    """utest=kstack: the fatal fault's CR2 lies in the guard page the kernel announced."""
    guard = cr2 = None
    for line in lines(result):
        m = re.match(r"^\[utest\] kstack: overflowing tid 1's kernel stack, guard page "
                     r"(0x[0-9a-f]+)\.\.(0x[0-9a-f]+)$", line)
        guard = guard or (m and (int(m.group(1), 16), int(m.group(2), 16)))
        m = re.match(r"^\[trap\] cr2 (0x[0-9a-f]+)", line)
        cr2 = cr2 if cr2 is not None else (m and int(m.group(1), 16))
    if not guard or cr2 is None:
        return ["no guard announcement or no cr2 line"]
    return [] if guard[0] <= cr2 < guard[1] else [f"cr2 {cr2:#x} outside {guard}"]


def sysbench_judge(result):
    """Instructions per null syscall round trip under -icount: a path-length budget."""
    for line in lines(result):
        m = re.match(r"^\[proc\] sysbench pid 1 exited: code (\d+) ", line)
        if m:
            n = int(m.group(1))
            return [] if 20 <= n <= 150 else [f"{n} instructions per null syscall, budget 150"]
    return ["no sysbench exit line"]


def present(*markers):
    """Each marker appears somewhere (order not causal, e.g. across preemption)."""
    def judge(result):
        return [f"missing {harness.marker_text(m)}" for m in markers
                if not any(harness.marker_matches(m, l) for _, l in result.com1)]
    return judge


def scenario(id, desc, name, expect, judge=None, cpu="max", pre=(), module=None,
             mem="128M", extra=(), cmdline=""):
    boot = Boot(mode="direct", cmdline=f"utest={name} {cmdline}".strip(), cpu=cpu, mem=mem,
                extra=list(extra))
    if module:
        boot.modules = [module]
    return Test(id, desc, boot,
                [BANNER] + list(pre) + [VM_SMOKE, f"[utest] {name}: start"] + expect
                + [DONE, SHUTDOWN_OK],
                FORBID, EXIT_CLEAN, all_of(check_baseline, judge) if judge else check_baseline)


ICOUNT = ["-icount", "shift=0,sleep=off"]
# Why proc-sysbench runs at -smp 1 only: its figure is TSC ticks per call, and under
# -icount every vCPU's instructions advance the one virtual clock (the vCPUs run
# round-robin), so with more CPUs the ticks between the two rdtsc would count other
# CPUs' instructions too: the figure is one CPU's path length only at -smp 1.
ICOUNT_ONE_CLOCK = ("a path length in TSC ticks under -icount, where every vCPU's "
                    "instructions advance the one virtual clock")

BADPTR_CALLS = [
    ("copyin", r"0x7fffbffffff8", 8, "36 "),
    ("copyin", r"0xffff800000000000", 8, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyin", r"0x10000000", 8, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyin", r"0x7fffffffeff8", 16, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyin", r"0xfffffffffffffff8", 16, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyin", r"0x7fffbffffff8", 16, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyin", r"0x800000000000", 1, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyin", r"0x3ffff8", 8, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyout", r"0x400000", 8, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyout", r"0x7fffbfffffb8", 8, "0 "),
    ("copyout", r"0xffffffff80100000", 8, "-10 CAPOS_ERR_BAD_ADDRESS"),
    ("copyin", r"0x7fffbfffffb8", 65, "-1 CAPOS_ERR_INVALID"),
    ("copyin", r"0x7fffbfffffb8", 11, "66 "),
    ("copyin", r"0x7fffbffffff8", 9, "-10 CAPOS_ERR_BAD_ADDRESS"),
]

TESTS = [
    scenario("proc-exit", "exit(7) from ring 3: logged, reaped, frames back, clean shutdown",
             "exit", ["[sched] exit pid 1 tid 1: first run",
                      "[proc] exit pid 1 exited: code 7 (preempted 0 times)",
                      reaped("exit", 1)]),
    # -icount at every count: QEMU refuses MTTCG with icount, so the harness keeps
    # -accel tcg and the vCPUs run round-robin on one thread (tests/qemu/harness.py).
    scenario("proc-exit-icount", "the exit scenario under -icount shift=0,sleep=off "
             "(single-threaded TCG, vCPUs round-robin): exit(7), reaped, frames back",
             "exit", ["[sched] exit pid 1 tid 1: first run",
                      "[proc] exit pid 1 exited: code 7 (preempted 0 times)",
                      reaped("exit", 1)], extra=ICOUNT),
    scenario("proc-fault", "user #PF/#GP/#UD/#DE/kernel read/hlt each kill only their"
             " process (exact vector, rip, addr); a user stack overflow faults just below"
             " the stack; a later process exits 7", "fault", [],
             present(killed("pf", 1, "#PF", "0x40000a", "0xdead000", "0x6"),
                     killed("gp", 2, "#GP", "0x40000a", "0", "0"),
                     killed("ud", 3, "#UD", "0x400000", "0", "0"),
                     killed("de", 4, "#DE", "0x400009", "0", "0"),
                     killed("kread", 5, "#PF", "0x40000a", "0xffffffff80100000", "0x5"),
                     killed("priv", 6, "#GP", "0x400000", "0", "0"),
                     killed("stackov", 7, "#PF", "0x400000", "0x7fffbffbfff8", "0x6"),
                     "[proc] exit pid 8 exited: code 7", reaped("exit", 8))),
    scenario("proc-spin2", "two spinning processes share the CPU by preemption and keep"
             " their XMM/YMM state", "spin2", [], both_ran_before_either_ended,
             pre=[re.compile(r"^\[cpu\] syscall: .*fsgsbase on$"),
                  re.compile(r"^\[cpu\] xstate: xsaveopt, components x87 sse avx, ")]),
    scenario("proc-spin2-xsave", "spin2 with XSAVE but no XSAVEOPT (-cpu max,-xsaveopt):"
             " plain XSAVE path", "spin2", [], both_ran_before_either_ended,
             cpu="max,-xsaveopt",
             pre=[re.compile(r"^\[cpu\] xstate: xsave, components x87 sse avx, ")]),
    scenario("proc-spin2-fxsave", "spin2 on -cpu qemu64 (no XSAVE, no SMAP): FXSAVE path",
             "spin2", [], both_ran_before_either_ended, cpu="qemu64",
             pre=[re.compile(r"^\[cpu\] syscall: .*fsgsbase off"),
                  "[cpu] xstate: fxsave, components x87 sse, 512-byte area"]),
    scenario("proc-badptr", "copy syscalls: kernel/unmapped/straddling/wrapping/"
             "non-canonical/null/read-only pointers give CAPOS_ERR_BAD_ADDRESS; odd"
             " lengths copy exactly and fault in their byte tail too",
             "badptr", [re.compile(rf"^\[utest\] {op} {a} len {n}: {re.escape(r)}$")
                        for op, a, n, r in BADPTR_CALLS]
             + ["[proc] badptr pid 1 exited: code 0"]),
    scenario("proc-sleep", "cap_enter(1, 50 ms) on an empty ring blocks until the timeout"
             " (returns 0) while another process runs", "sleep", [],
             all_of(sleep_judge, present("[proc] sleeper pid 1 exited: code 0",
                                          "[proc] spin pid 2 exited: code 0"))),
    scenario("proc-wake", "sched_wake: a thread blocked with no deadline is woken by"
             " another; waking a non-blocked or unknown tid is CAPOS_ERR_NOT_FOUND", "wake",
             ["[utest] wait: waiter tid 1 blocks with no deadline", "[utest] wake: tid 1",
              "[utest] wait: waiter tid 1 woken", "[proc] waiter pid 1 exited: code 0"],
             present("[sched] waker pid 2 tid 2: first run",
                     "[utest] wake: tid 1 is not blocked: CAPOS_ERR_NOT_FOUND",
                     "[utest] wake: tid 999 is not blocked: CAPOS_ERR_NOT_FOUND",
                     "[proc] waker pid 2 exited: code 0")),
    Test("proc-iso-spin2", "GRUB ISO (Multiboot2, SeaBIOS) with utest=spin2: user mode and"
     " preemption on the ISO path", Boot(mode="bios", iso=SPIN2_ISO),
     [BANNER, VM_SMOKE, "[utest] spin2: start", DONE, SHUTDOWN_OK], FORBID, EXIT_CLEAN,
     all_of(check_baseline, both_ran_before_either_ended)),
    scenario("proc-regs", "SYSCALL exit: every GPR but RAX/RCX/R11 unchanged across"
             " cap_enter, an unknown number and a faulting copy; RCX = return address,"
             " R11 = user RFLAGS (no kernel value left in a register)", "regs",
             ["[proc] regs pid 1 exited: code 0"]),
    Test("proc-sysbench", "null SYSCALL round trip under -icount shift=0 within 150 guest"
     " instructions (bench-kproc prints the figure)",
     Boot(mode="direct", cmdline="utest=sysbench", extra=ICOUNT, smp=1, timeout=120),
     [BANNER, VM_SMOKE, "[utest] sysbench: start", DONE, SHUTDOWN_OK], FORBID, EXIT_CLEAN,
     all_of(check_baseline, sysbench_judge), single=ICOUNT_ONE_CLOCK),
    scenario("proc-elf", "a real newlib+libcapos ELF from the boot module: TLS, bss, heap,"
             " SSE, printf formatting; exits 42", "elf",
             [re.compile(r"^\[utest\] elf: \d+-byte module loaded, entry 0x[0-9a-f]+, "
                         r"\d+ frames$"),
              "[sched] elf pid 1 tid 1: first run", "[proc] elf pid 1 exited: code 42",
              reaped("elf", 1)], module=USER_ELF),
    scenario("proc-elf-novm", "the same ELF granted no cap: its heap has no VirtualMemory, "
             "malloc returns NULL with ENOMEM and the program carries on to exit 43", "elf-novm",
             ["[sched] elf pid 1 tid 1: first run", "[proc] elf pid 1 exited: code 43",
              reaped("elf", 1)], module=USER_ELF),
    scenario("proc-elf-spin", "the ELF program and a spinner both finish", "elf-spin", [],
             present("[proc] elf pid 2 exited: code 42", "[proc] spin pid 1 exited: code 0"),
             module=USER_ELF),
    scenario("proc-elf-quota", "a 64-frame quota: load refused with CAPOS_ERR_QUOTA_FRAMES,"
             " frames back", "elf-quota",
             ["[utest] elf: load refused: CAPOS_ERR_QUOTA_FRAMES (-369)", reaped("elf", 1)],
             module=USER_ELF),
    scenario("proc-elf-not-elf", "a boot module that is no ELF: CAPOS_ERR_ELF_BAD_MAGIC",
             "elf", ["[utest] elf: load refused: CAPOS_ERR_ELF_BAD_MAGIC (-257)"]),
    scenario("proc-elf-truncated", "the ELF cut at 4 KiB: CAPOS_ERR_ELF_SEG_FILE_BOUNDS",
             "elf", ["[utest] elf: load refused: CAPOS_ERR_ELF_SEG_FILE_BOUNDS (-269)"],
             module=hostile_elf("truncated.elf", lambda d: bytes(d[:4096]))),
    scenario("proc-elf-wx", "the ELF with a writable+executable text segment:"
             " CAPOS_ERR_ELF_WX", "elf", ["[utest] elf: load refused: CAPOS_ERR_ELF_WX (-275)"],
             module=hostile_elf("wx.elf", make_wx)),
    scenario("proc-many", "threads=64: processes until the 64 kernel-stack slots run out:"
             " CAPOS_ERR_NO_MEMORY, creation undone, all 64 run and exit", "many",
             ["[utest] many: 64 processes started, then CAPOS_ERR_NO_MEMORY"],
             present("[proc] exit pid 64 exited: code 7"),
             pre=["[proc] threads: at most 64 alive at once (threads=)"], cmdline="threads=64"),
] + [
    scenario(f"proc-many-{mem}", f"processes until free frames reach the kernel reserve at"
             f" -m {mem}: CAPOS_ERR_KERNEL_LOW_MEMORY at whatever step it strikes, every"
             " frame back", "many",
             [re.compile(r"^\[utest\] many: ([1-9]|[1-5][0-9]|6[0-3]) processes started, "
                         r"then CAPOS_ERR_KERNEL_LOW_MEMORY$")], mem=mem)
    for mem in ("9216K", "10496K", "11776K")
] + [
    Test("proc-kstack-guard", "a kernel stack overflow in a thread hits its guard page: fatal"
     " #DF report (IST stack) with cr2 in the guard, status 35",
     Boot(mode="direct", cmdline="utest=kstack"),
     [BANNER, "[utest] kstack: overflowing",
      re.compile(r"^\[trap\] fault: vector 8 #DF \(double fault\) error 0 in kernel mode$"),
      re.compile(r"^\[trap\]   #0  0x[0-9a-f]+ utest_recurse\+"), "[panic] unhandled #DF"],
     [SHUTDOWN_OK], EXIT_PANIC, kstack_cr2_in_guard),
    *[Test(f"proc-threads-bad-{v}", f"threads={v} is a boot error naming the range (status 35)",
           Boot(mode="direct", cmdline=f"threads={v}"),
           [BANNER, "[proc] error: threads= not a thread count from 1 to 4096 "
            "(CAPOS_ERR_INVALID)"], [SHUTDOWN_OK, "[panic]", "[trap]"], EXIT_PANIC, None)
      for v in ("0", "4097", "lots")],
    Test("proc-utest-unknown", "utest=nosuch is a boot error (status 35)",
     Boot(mode="direct", cmdline="utest=nosuch"),
     [BANNER, "[utest] error: unknown or empty utest= value"], [SHUTDOWN_OK], EXIT_PANIC,
     None),
]


if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
