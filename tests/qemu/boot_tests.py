#!/usr/bin/env python3
"""capOS boot-test suite: boots the kernel under QEMU (TCG) in focused configurations.

Each test names one boot (path, command line, modules, CPUs, memory), the COM1 markers
that must appear in order, the markers that must not appear, and the exact QEMU exit
status (33 clean shutdown, 35 panic/fault). Every positive boot has hostile twins (no
module, two modules, tiny memory, deliberate faults) that must end in a clear error line
and status 35, never a hang: the harness timeout is only a hang detector.

Output follows the test-driver contract (tests/run.py): one `ok <id> - desc` or
`not ok <id> - reason` line per test; commentary lines start with `#`. Needs the build
outputs (make builds them as TEST_DEPS): build/capos.elf, build/manifest.bin,
build/capos.iso and the test ISOs under build/tests/qemu/.

Environment: CAPOS_QEMU_JOBS (default 2) guests at a time; CAPOS_BOOT_FILTER=substr runs
only tests whose id contains substr.
"""
import concurrent.futures
import dataclasses
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, BUILD, CLEAN_FORBIDDEN, EXIT_CLEAN, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402

TEST_ISO_DIR = os.path.join(BUILD, "tests", "qemu")
TEST_LOG_DIR = TEST_ISO_DIR
MODULE = os.path.join(BUILD, "manifest.bin")


def words(prefix, *required):
    """A marker: a line starting with prefix that contains every required word."""
    look = "".join(rf"(?=.*\b{re.escape(w)}\b)" for w in required)
    return re.compile(re.escape(prefix) + look)


# Under -cpu max the CPU has, and the kernel must switch on, these protections.
PROTECTIONS = ("nx", "smep", "smap", "umip")
CPU_FEATURES = words("[cpu] features:", *PROTECTIONS)
CPU_ENABLED = words("[cpu] enabled:", *PROTECTIONS)


def clean_markers():
    """Markers every clean boot prints, in this order."""
    return [BANNER, CPU_FEATURES, CPU_ENABLED, SHUTDOWN_OK]


@dataclasses.dataclass
class Test:
    id: str
    desc: str
    boot: Boot
    expect: list
    forbid: list = dataclasses.field(default_factory=lambda: list(CLEAN_FORBIDDEN))
    status: int = EXIT_CLEAN


def iso(name):
    return os.path.join(TEST_ISO_DIR, name)


def fault_test(kind, vector, name):
    """A deliberate kernel fault: must print a [trap] line with its vector, a [panic]
    line, and exit 35 without reaching the clean shutdown."""
    return Test(
        f"selftest-{kind}", f"selftest={kind} reports {name} (vector {vector}) and exits 35",
        Boot(mode="direct", cmdline=f"selftest={kind}"),
        [BANNER, re.compile(rf"\[trap\].*\bvector {vector}\b"), "[panic]"],
        forbid=[SHUTDOWN_OK], status=EXIT_PANIC)


def hostile_boot(id, desc, boot, error):
    """A boot the kernel must refuse: one `[boot] error:` line matching `error`, exit 35."""
    return Test(id, desc, boot, [BANNER, re.compile(r"\[boot\] error: .*" + error)],
                forbid=[SHUTDOWN_OK, "[trap]"], status=EXIT_PANIC)


TESTS = [
    Test("boot-bios", "GRUB ISO under SeaBIOS boots and shuts down cleanly",
         Boot(mode="bios"), clean_markers()),
    Test("boot-uefi", "GRUB ISO under OVMF boots and shuts down cleanly",
         Boot(mode="uefi"), clean_markers()),
    Test("boot-direct", "QEMU direct load (Multiboot1) boots and shuts down cleanly",
         Boot(mode="direct"), clean_markers()),
    # Twin of the feature report: qemu64 has NX but no SMEP/SMAP/UMIP, so the kernel
    # must neither claim nor enable them (the report is read back, not assumed).
    Test("cpu-qemu64", "-cpu qemu64: nx enabled, smep/smap/umip neither reported nor enabled",
         Boot(mode="direct", cpu="qemu64"),
         [BANNER, re.compile(r"^\[cpu\] features:(?=.*\bnx\b)(?!.*\b(smep|smap|umip)\b)"),
          re.compile(r"^\[cpu\] enabled:(?=.*\bnx\b)(?!.*\b(smep|smap|umip)\b)"),
          SHUTDOWN_OK]),
]


# ---- tests of the developer targets (they drive harness.py like make does) -----------

HARNESS = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness.py")]


def _tool(argv, timeout=120):
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace",
                          timeout=timeout)
    return proc.returncode, proc.stdout


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_make_run():
    """`make run` contract: exit 0 on a clean guest shutdown, COM1 in the named log."""
    log = os.path.join(TEST_LOG_DIR, "make-run.console.log")
    if os.path.exists(log):
        os.unlink(log)
    rc, out = _tool(HARNESS + ["run", "--mode", "direct", "--com1", log, "--timeout", "30"])
    problems = []
    if rc != 0:
        problems.append(f"harness run exited {rc}, expected 0 on guest status 33")
    if f"kernel log (COM1): {log}" not in out:
        problems.append("the log path was not printed on exit")
    try:
        with open(log, errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    if BANNER not in text or SHUTDOWN_OK not in text:
        problems.append(f"{log} lacks the banner or the shutdown line")
    return problems, out


def check_gdb():
    """`make gdb` contract: QEMU stops before the first instruction, gdb attaches with
    the kernel's symbols and a hardware breakpoint at kmain hits with the loader's
    arguments (direct load: Multiboot1 magic 0x2badb002)."""
    rc, out = _tool(HARNESS + [
        "gdb", "--mode", "direct", "--batch", "--port", str(_free_port()),
        "--com1", os.path.join(TEST_LOG_DIR, "gdb.console.log"),
        "--gdb-ex", "hbreak kmain", "--gdb-ex", "continue",
        "--gdb-ex", "p/x boot_magic", "--gdb-ex", "bt 1"])
    problems = []
    if rc != 0:
        problems.append(f"gdb session exited {rc}")
    if not re.search(r"^Breakpoint 1, kmain \(", out, re.M):
        problems.append("breakpoint at kmain not reported with symbols")
    if not re.search(r"^\$1 = 0x2badb002$", out, re.M):
        problems.append("kmain's boot_magic is not the Multiboot1 magic 0x2badb002")
    return problems, out


TOOL_TESTS = [
    ("make-run", "`make run` path exits 0 on a clean shutdown and names the COM1 log",
     check_make_run),
    ("make-gdb", "`make gdb` path: gdb stub + symbols, breakpoint at kmain hits",
     check_gdb),
]


@dataclasses.dataclass
class Outcome:
    id: str
    desc: str
    problems: list      # empty: passed
    details: list       # commentary printed on failure
    elapsed: float


def run_boot_test(test):
    try:
        result = harness.run(test.boot, test.id)
    except FileNotFoundError as e:
        return Outcome(test.id, test.desc, [str(e)], [], 0.0)
    problems = harness.check(result, test.expect, test.forbid, test.status)
    details = harness.describe_failure(result, problems) if problems else []
    return Outcome(test.id, test.desc, problems, details, result.elapsed)


def run_tool_test(entry):
    id, desc, fn = entry
    start = time.monotonic()
    try:
        problems, out = fn()
    except (OSError, subprocess.SubprocessError) as e:
        problems, out = [f"{type(e).__name__}: {e}"], ""
    details = ["output:"] + ["  " + line for line in out.splitlines()[-30:]] if problems else []
    return Outcome(id, desc, problems, details, time.monotonic() - start)


def main():
    jobs = int(os.environ.get("CAPOS_QEMU_JOBS", "2"))
    filt = os.environ.get("CAPOS_BOOT_FILTER", "")
    work = [(run_boot_test, t) for t in TESTS if filt in t.id]
    work += [(run_tool_test, t) for t in TOOL_TESTS if filt in t[0]]
    os.makedirs(TEST_LOG_DIR, exist_ok=True)
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(jobs, 2))) as pool:
        for o in pool.map(lambda w: w[0](w[1]), work):
            if not o.problems:
                print(f"ok {o.id} - {o.desc} ({o.elapsed:.2f}s)", flush=True)
                continue
            failed += 1
            print(f"not ok {o.id} - {o.problems[0]}", flush=True)
            for line in (o.details or [f"reason: {p}" for p in o.problems]):
                print(f"#   {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
