#!/usr/bin/env python3
"""The live capability ring under QEMU (TCG, direct load, utest=ring).

utest=ring runs the boot module as a process holding four kernel caps (console ->
COM2, timer, boot -> the module bytes, vm -> its own address space) named in its
CapSet page. The programs are newlib + libcapos user programs
(tests/qemu/user/ring_ok.c, ring_hostile.c); everything they print goes through
printf -> write(1) -> capos_console_write -> a Console.write CALL on the ring -> COM2,
which the harness captures separately from the kernel log (COM1).

  ring-ok       positive transcript: entry registers, NOP and a batch of 16, every
                kernel object called, cap_enter's timed wait, VirtualMemory
                map/write/unmap, a write cut at the Console bound, RELEASE (the kernel
                logs the timer object freed before the process exits)
  ring-hostile  every hostile twin's CQE (or cap_enter) status, compared exactly; the
                process goes on after each, exits 0, and every frame comes back
  ring-grant    kring_grant (how init's caps will be granted from the manifest)
                refuses a bad name, an empty name, a duplicate and a kind that is not
                one object, each with its exact status, leaving no cap behind
  ring-bench    the bench= word (bench/run.py's capOS side): each ring workload runs
                with a small count, checks every completion itself and prints a
                well-formed result line; a count that is not a batch multiple and an
                unknown name give the error / unavailable lines

Both boots end with the utest frame-baseline check and a clean shutdown.
CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, all_of, com2_exact, run_suite  # noqa: E402

DONE = re.compile(r"^\[utest\] ring: all processes gone, free frames (\d+) "
                  r"\(baseline (\d+)\), (\d+) context switches$")
FORBID = CLEAN_FORBIDDEN + ["error:", "killed:"]
USER_DIR = os.path.join(harness.BUILD, "user", "kring")

OK_LINES = [
    "ring-ok: hello from printf through Console, pid 1",
    "ok entry: RDI is thread 0's ring page",
    "ok entry: RDX is the CapSet page",
    "ok entry: ring header names thread 0",
    "ok nop: one NOP completes with status 0",
    "ok nop: a batch of 16 NOPs in one cap_enter, all completed by user_data",
    "ok timer: Timer.now is monotonic",
    "ok timer: cap_enter(1, 20 ms) with nothing queued times out with 0 after >= 20 ms",
    "ok cap_enter(0, infinite) returns at once",
    "ok boot: BootPackage.manifestSize is the module's size",
    "ok boot: readManifest(0, 4) is the module's first bytes (an ELF)",
    "ok vm: map(3 pages, rw) returns an anonymous-region address",
    "ok vm: the pages are zeroed, writable and readable",
    "ok vm: unmap succeeds",
    "x" * 4096,
    "ok console: a 5000-byte write is cut at the 4096-byte Console bound",
    "ok release: RELEASE of the timer cap completes with 0",
    "ok release: the released id is stale",
    "ring-ok: done, 0 failure(s)",
]

# Every hostile case and its exact answer (docs/abi.md §4.4, §4.7, §5, §6).
HOSTILE_LINES = [
    "hostile opcode-unknown: CAPOS_ERR_RING_BAD_OPCODE",
    "hostile opcode-zero: CAPOS_ERR_RING_BAD_OPCODE",
    "hostile flags: CAPOS_ERR_RING_BAD_FLAGS",
    "hostile reserved-rsvd0: CAPOS_ERR_RING_RESERVED_NONZERO",
    "hostile reserved-aux: CAPOS_ERR_RING_RESERVED_NONZERO",
    "hostile reserved-release-addr: CAPOS_ERR_RING_RESERVED_NONZERO",
    "hostile cap-forged-slot: CAPOS_ERR_CAP_BAD_ID",
    "hostile cap-null: CAPOS_ERR_CAP_BAD_ID",
    "hostile cap-empty-slot: CAPOS_ERR_CAP_EMPTY",
    "hostile cap-wrong-generation: CAPOS_ERR_CAP_STALE",
    "hostile cap-wrong-interface: CAPOS_ERR_CAP_WRONG_INTERFACE",
    "hostile cap-interface-zero: CAPOS_ERR_CAP_WRONG_INTERFACE",
    "hostile method-range: CAPOS_ERR_RING_METHOD_RANGE",
    "hostile release-boot: CAPOS_OK",
    "hostile cap-stale-after-release: CAPOS_ERR_CAP_STALE",
    "hostile release-twice: CAPOS_ERR_CAP_STALE",
    "hostile params-kernel: CAPOS_ERR_RING_PARAMS_FAULT",
    "hostile params-unmapped: CAPOS_ERR_RING_PARAMS_FAULT",
    "hostile params-straddle-end: CAPOS_ERR_RING_PARAMS_FAULT",
    "hostile params-straddle-stack-top: CAPOS_ERR_RING_PARAMS_FAULT",
    "hostile params-null-with-len: CAPOS_ERR_RING_PARAMS_FAULT",
    "hostile result-kernel: CAPOS_ERR_RING_RESULT_FAULT",
    "hostile result-read-only: CAPOS_ERR_RING_RESULT_FAULT",
    "hostile result-too-small: CAPOS_ERR_RING_RESULT_TOO_SMALL needed 24",
    "hostile params-oversize: CAPOS_ERR_RING_PARAMS_TOO_LARGE",
    "hostile params-malformed-framing: CAPOS_ERR_RING_MALFORMED_PARAMS",
    "hostile params-malformed-root: CAPOS_ERR_RING_MALFORMED_PARAMS",
    "hostile params-trailing: CAPOS_ERR_RING_MALFORMED_PARAMS",
    "hostile console-oversize-write: CAPOS_ERR_RING_EXCEPTION",
    "hostile header-sq-tail-far: CAPOS_ERR_RING_CORRUPT status 1 consumed 0",
    "hostile header-sq-tail-behind: CAPOS_ERR_RING_CORRUPT",
    "hostile header-cq-head-ahead: CAPOS_ERR_RING_CORRUPT",
    "hostile header-user-flags: CAPOS_ERR_RING_CORRUPT",
    "hostile header-repaired: 0 ready, sq_head restored, status 0",
    "hostile cap-enter-min-complete: CAPOS_ERR_RING_BAD_ARGUMENT",
    "hostile cq-full: 64 ready",
    "hostile cq-overflow: CAPOS_ERR_RING_CQ_OVERFLOW overflow +1 status 2 queued 16",
    "hostile cq-after-reap: 16 ready status 0",
    "hostile vm-wx: CAPOS_ERR_VM_WX",
    "hostile vm-quota: CAPOS_ERR_RING_EXCEPTION",
    "hostile vm-quota-exception: CAPOS_ERR_QUOTA_FRAMES overloaded yes",
    "hostile vm-after-quota: CAPOS_OK",
    "hostile vm-protect-wx: CAPOS_ERR_VM_WX",
    "hostile vm-page-still-rw: CAPOS_OK",
    "hostile nop-still-works: CAPOS_OK",
    "ring-hostile: done",
]


def com1(result):
    return [line.strip() for _, line in result.com1]


def check_baseline(result):
    for line in com1(result):
        m = DONE.match(line)
        if m:
            return [] if m.group(1) == m.group(2) else [f"frames not returned: {line}"]
    return ["no '[utest] ring: all processes gone' line"]


def released_before_exit(result):
    """RELEASE freed the timer object while the process still ran."""
    text = com1(result)
    freed = [i for i, l in enumerate(text) if l == "[cap] timer object freed"]
    exited = [i for i, l in enumerate(text) if l.startswith("[proc] elf pid 1 exited:")]
    if len(freed) != 1 or len(exited) != 1:
        return [f"timer freed {len(freed)} time(s), exit lines {len(exited)}"]
    return [] if freed[0] < exited[0] else ["the timer object was freed only at exit"]


def ring_test(id, desc, elf, exit_line, judge):
    boot = Boot(mode="direct", cmdline="utest=ring", mem="128M")
    boot.modules = [os.path.join(USER_DIR, elf)]
    return Test(id, desc, boot,
                [BANNER, "[utest] ring: start", exit_line, DONE, SHUTDOWN_OK],
                FORBID, EXIT_CLEAN, all_of(check_baseline, judge))


BENCH_LINE = r"^\[bench\] bench {} ops={} tsc=(\d+) tsc_per_op=(\d+)\.(\d\d)$"


def bench_consistent(result):
    """Every figure line: tsc_per_op is tsc/ops rounded to two decimals."""
    problems, seen = [], 0
    for line in com1(result):
        m = re.match(r"^\[bench\] bench (\S+) ops=(\d+) tsc=(\d+) tsc_per_op=(\d+\.\d\d)$",
                     line)
        if m:
            seen += 1
            ops, tsc, per = int(m.group(2)), int(m.group(3)), float(m.group(4))
            if abs(tsc / ops - per) > 0.006 or tsc / ops < 20:
                problems.append(f"implausible figure: {line}")
    return problems + ([] if seen == 4 else [f"{seen} figure lines, want 4"])


def bench_test():
    boot = Boot(mode="direct", mem="128M",
                cmdline="bench=cap-enter-null:500,ring-nop-b1:300,ring-nop-b16:320,"
                        "cap-call:200,ring-nop-b16:17,no-such-bench")
    boot.modules = [os.path.join(USER_DIR, "ring_ok.elf")]
    expect = [BANNER,
              re.compile(BENCH_LINE.format("cap-enter-null", 500)),
              re.compile(BENCH_LINE.format("ring-nop-b1", 300)),
              re.compile(BENCH_LINE.format("ring-nop-b16", 320)),
              re.compile(BENCH_LINE.format("cap-call", 200)),
              "[bench] bench ring-nop-b16 error reason=bad-ops",
              "[bench] bench no-such-bench unavailable reason=not-a-capos-workload",
              SHUTDOWN_OK]
    return Test("ring-bench", "bench= runs the four ring workloads (each checks its "
                "completions) and prints parseable lines; bad counts and unknown names "
                "are reported", boot, expect, FORBID + ["error reason=exit"], EXIT_CLEAN,
                bench_consistent)


TESTS = [
    ring_test("ring-ok", "printf via Console on COM2, NOP/batch, Timer, BootPackage, "
              "VirtualMemory, cap_enter timeout, RELEASE frees the object, frames back",
              "ring_ok.elf", "[proc] elf pid 1 exited: code 0",
              all_of(com2_exact(OK_LINES), released_before_exit)),
    ring_test("ring-hostile", f"{len(HOSTILE_LINES) - 1} hostile submissions each answered "
              "with its exact transport status; the process and kernel go on; frames back",
              "ring_hostile.elf", "[proc] elf pid 1 exited: code 0",
              com2_exact(HOSTILE_LINES)),
    Test("ring-grant", "kring_grant: CAPSET_BAD_NAME x2, DUPLICATE, INVALID kind; a "
         "refused grant leaves no cap (1 cap, CapSet count 1); frames back",
         Boot(mode="direct", cmdline="utest=grant", mem="128M"),
         [BANNER, "[utest] grant: start",
          "[utest] grant: bad name CAPOS_ERR_CAPSET_BAD_NAME, empty CAPOS_ERR_CAPSET_BAD_NAME, "
          "first CAPOS_OK, duplicate CAPOS_ERR_CAPSET_DUPLICATE, two kinds CAPOS_ERR_INVALID, "
          "1 cap(s) in the table, CapSet count 1",
          re.compile(r"^\[utest\] grant: all processes gone, free frames (\d+) \(baseline \1\)"),
          SHUTDOWN_OK], FORBID, EXIT_CLEAN),
    bench_test(),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
