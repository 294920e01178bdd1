#!/usr/bin/env python3
"""capOS boot-test suite: boots the kernel under QEMU (TCG) in focused configurations.

Each test names one boot (path, command line, modules, CPUs, memory), the COM1 markers
that must appear in order, the markers that must not appear, and the exact QEMU exit
status (33 clean shutdown, 35 panic/fault). Covered here: the three boot paths (BIOS
ISO, UEFI ISO, direct load) with CPU features, memory, CPU count and timer; the hostile
boots (no module, two modules, memory maps cut by GRUB's `cutmem`, tiny RAM), which
must end in the exact typed error and status 35, never a hang (the harness timeout is
only a hang detector); and the developer targets `make run` / `make gdb`. The fault
self-tests live in fault_tests.py (kboot), memory in kmem_tests.py, platform in
platform_tests.py; all share harness.py. Like every QEMU suite, each test runs at -smp 1,
2 and 4 (suite.py's CPU-count axis, ids `<test>@smp<n>`): the MADT line must name that
many CPUs, and the developer targets are driven with `--smp n`.

Output follows the test-driver contract (tests/run.py): one `ok <id> - desc` or
`not ok <id> - reason` line per test; commentary lines start with `#`. Needs the build
outputs (make builds them as TEST_DEPS): build/capos.elf, build/manifest.bin,
build/capos.iso and the test ISOs under build/tests/qemu/.

Environment: CAPOS_QEMU_JOBS (default 2) guests at a time; CAPOS_BOOT_FILTER=substr runs
only tests whose id contains substr.
"""
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, BUILD, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402
from init_tests import com2_default  # noqa: E402
from suite import (APIC_UP, CPU_ENABLED, CPU_FEATURES, IOAPIC_MASKED,  # noqa: E402
                   MADT_CPUS, MADT_CPUS_FULL, MEMORY, RSDP_COPY_V2, TICKING, ScriptTest, Test,
                   ToolTest, all_of, calibrated, first_match, madt_cpus, memory_judge, run_suite,
                   smp_id, ticks_judge, timer_judge, words)

TEST_ISO_DIR = os.path.join(BUILD, "tests", "qemu")
TEST_LOG_DIR = harness.default_log_dir()
MODULE = harness.DEMO_MODULE
# system/minimal.capnp with init's image stripped of debug sections (tests/qemu/boot.mk):
# a module whose size does not grow with init's debug info or the services, for 2 MiB.
TINYMEM_MODULE = os.path.join(BUILD, "tests", "qemu", "tinymem.manifest")
# The image-less output of `capnp eval` for system/minimal.capnp: a well-formed
# SystemManifest that was never through mkmanifest, so init has no image.
RAW_MANIFEST = os.path.join(BUILD, "system", "minimal.bin")
# The kernel decoded the real boot module: init (build/user/init.elf, its exact size)
# with the five grants of system/system.capnp.
INIT_ELF_BYTES = os.path.getsize(os.path.join(BUILD, "user", "init.elf"))
MANIFEST = re.compile(rf'^\[boot\] manifest: init "init" \({INIT_ELF_BYTES} bytes\), 5 grants$')


def clean_markers():
    """Markers every clean boot prints, in this order (the MADT naming the CPUs of the
    count under test)."""
    return [BANNER, CPU_FEATURES, CPU_ENABLED, MANIFEST, MEMORY, MADT_CPUS, TICKING,
            SHUTDOWN_OK]


# The XSDT walk names the tables it found; QEMU's pc machine has at least these.
XSDT_TABLES = words("[acpi] tables:", "FACP", "APIC", "HPET")


def xsdt_count_judge(result):
    """The RSDP line's table count is the number of tables the walk names."""
    rsdp, tables = first_match(result, RSDP_COPY_V2), first_match(result, XSDT_TABLES)
    if rsdp is None or tables is None:
        return ["no RSDP or tables line"]
    count = int(re.search(r"(\d+) tables", rsdp.string).group(1))
    names = tables.string.split(":", 1)[1].split()
    return [] if count == len(names) else [f"RSDP says {count} tables, walk names {names}"]


def iso(name):
    return os.path.join(TEST_ISO_DIR, name)


def to_prompt_and_eof(t):
    """The default system (build/capos.iso = system/system.capnp) runs capos-shell on
    COM2: reach its anonymous prompt, then end it with Ctrl-D at the prompt: the shell
    ends its session, init ends the graph and the machine shuts down cleanly."""
    t.expect("anonymous> ", timeout=t.boot.effective_timeout())
    t.send(b"\x04")
    # init's 'service "shell" started' line may come between the two (it is printed
    # once the spawn returns, which can be after the shell's first prompt)
    t.expect("shell: end of input\r\n")
    t.expect("session ended\r\n")


def clean_boot(id, desc, boot, mem_judge=None):
    return Test(id, desc, boot, clean_markers(),
                judge=all_of(mem_judge or memory_judge(max_mib=128, min_free_kib=100 * 1024),
                             ticks_judge))


def refused_boot(id, desc, boot, marker):
    """A boot the kernel must refuse: the exact typed error, exit 35, no fault, no hang."""
    return Test(id, desc, boot, [BANNER, marker],
                forbid=[SHUTDOWN_OK, "[trap]", "[mm] memory:"], status=EXIT_PANIC)


def boot_error(text, code):
    return re.compile(rf"^\[boot\] error: {re.escape(text)} \({code}, -\d+\)$")


NO_MODULE = boot_error("no boot module; exactly one (manifest.bin) is required",
                       "CAPOS_ERR_BOOT_NO_MODULE")
TWO_MODULES = boot_error("more than one boot module; exactly one (manifest.bin) is required",
                         "CAPOS_ERR_BOOT_TOO_MANY_MODULES")
BAD_MANIFEST = re.compile(r"^\[boot\] manifest: rejected at binaries\[\]\.image index 0 "
                          r"\(CAPOS_ERR_MANIFEST_IMAGE, -296\)$")
BAD_MODULE = boot_error("boot module range invalid or outside RAM", "CAPOS_ERR_BOOT_BAD_MODULE")

TESTS = [
    ScriptTest("boot-bios", "GRUB ISO (the default system) under SeaBIOS: banner, "
               "nx/smep/smap/umip on, memory, the MADT's CPUs, timer ticks, the shell's prompt on COM2, "
               "Ctrl-D there, clean exit", Boot(mode="bios", iso=harness.SYSTEM_ISO, timeout=60), to_prompt_and_eof,
               clean_markers(), judge=all_of(memory_judge(max_mib=128, min_free_kib=100 * 1024),
                                             ticks_judge)),
    # The only UEFI boot of all suites (OVMF costs ~5-12 s under TCG): the clean-boot
    # checks plus the platform ones that only UEFI exercises (ACPI 2.0 RSDP copy from
    # the Multiboot2 tag, XSDT walk).
    ScriptTest("boot-uefi", "GRUB ISO under OVMF: clean boot to the shell's prompt "
         "and out as boot-bios, plus the ACPI 2.0 RSDP copy, XSDT walk, MADT, APIC and hpet "
         "calibration lines",
         Boot(mode="uefi", iso=harness.SYSTEM_ISO), to_prompt_and_eof,
         [BANNER, CPU_FEATURES, CPU_ENABLED, MEMORY, RSDP_COPY_V2, XSDT_TABLES,
          MADT_CPUS_FULL, APIC_UP, IOAPIC_MASKED, calibrated("hpet"), TICKING,
          SHUTDOWN_OK],
         judge=all_of(memory_judge(max_mib=128, min_free_kib=100 * 1024), timer_judge,
                      xsdt_count_judge)),
    clean_boot("boot-direct", "direct load (Multiboot1): clean boot, the MADT reports "
               "exactly the CPUs QEMU was given", Boot(mode="direct")),
    # Twin of the feature report: qemu64 has NX but no SMEP/SMAP/UMIP, so the kernel
    # must neither claim nor enable them (the report is read back, not assumed).
    # qemu64 also lacks FSGSBASE: init still runs, because the loader builds thread 0's
    # TLS block and enters with the FS base set (docs/abi.md §3); no user code needs
    # wrfsbase. Its whole COM2 transcript (TLS, heap, time lines included) must match.
    Test("cpu-qemu64", "-cpu qemu64: nx enabled, smep/smap/umip neither reported nor "
         "enabled, fsgsbase off; the real init runs with its full transcript and exits 0",
         Boot(mode="direct", cpu="qemu64"),
         [BANNER, re.compile(r"^\[cpu\] features:(?=.*\bnx\b)(?!.*\b(smep|smap|umip)\b)"),
          re.compile(r"^\[cpu\] enabled:(?=.*\bnx\b)(?!.*\b(smep|smap|umip)\b)"),
          re.compile(r"^\[cpu\] syscall: .*fsgsbase off \(cpu lacks it\)$"),
          "[init] exited with status 0", SHUTDOWN_OK],
         forbid=harness.CLEAN_FORBIDDEN + ["killed:"], judge=com2_default()),
    # Smallest RAM QEMU's direct load runs with (with -m 1M the kernel's load address
    # is not RAM and the guest never starts): the kernel boots correctly and accounts
    # QEMU's 2 MiB map exactly. kmem's total sums the map's entries below 4 GiB,
    # reserved ones included: 0-640 KiB, 960 KiB-1 MiB, 1-2 MiB and the 256 KiB BIOS
    # flash under 4 GiB = 1984 KiB; usable RAM is only 639 + 896 KiB of it.
    # init (125 frames at start: image, 256 KiB stack, TLS, tables; its image stripped of
    # debug sections so that the module stays small) does not fit in the frames left:
    # the loader's typed refusal once free frames reach the kernel reserve (an eighth of
    # the frames free at boot on so small a machine, kernel/kcharge.h), every frame back,
    # the failure status; never a hang.
    Test("tiny-mem-2m", "-m 2M: kernel boots, [mm] total exactly 1984 KiB, free > 0; init "
         "cannot be loaded (CAPOS_ERR_KERNEL_LOW_MEMORY), frames back, exit 35",
         Boot(mode="direct", mem="2M", modules=[TINYMEM_MODULE]),
         [BANNER, MEMORY, TICKING,
          # which step runs out first moves with the kernel's size and the CPU count
          re.compile(r"^\[init\] error: cannot (load its ELF|grant its caps): "
                     r"CAPOS_ERR_KERNEL_LOW_MEMORY \(-400\)$"),
          re.compile(r"^\[init\] not started, free frames (\d+) \(baseline \1\)$"),
          "[boot] error: init failed (CAPOS_ERR_KERNEL_LOW_MEMORY, -400); see the [init] lines"],
         forbid=["[panic]", "[trap]", SHUTDOWN_OK], status=EXIT_PANIC,
         judge=memory_judge(total_kib=1984, max_mib=2)),
    refused_boot("nomod-iso", "GRUB ISO without a boot module: CAPOS_ERR_BOOT_NO_MODULE, exit 35",
                 Boot(mode="bios", iso=iso("nomod.iso")), NO_MODULE),
    refused_boot("twomod-iso", "GRUB ISO with two boot modules: "
                 "CAPOS_ERR_BOOT_TOO_MANY_MODULES, exit 35",
                 Boot(mode="bios", iso=iso("twomod.iso")), TWO_MODULES),
    refused_boot("nomod-direct", "direct load without a boot module: "
                 "CAPOS_ERR_BOOT_NO_MODULE, exit 35", Boot(mode="direct", modules=[]), NO_MODULE),
    refused_boot("twomod-direct", "direct load with two boot modules: "
                 "CAPOS_ERR_BOOT_TOO_MANY_MODULES, exit 35",
                 Boot(mode="direct", modules=[MODULE, MODULE]), TWO_MODULES),
    # A rejected manifest is logged by the decoder at boot (utest= scenarios boot a bare
    # ELF module); without utest= it stops the boot before init (kernel/main.c).
    Test("rawmanifest-direct", "direct load of the image-less `capnp eval` output: the "
         "kernel's manifest decoder rejects it with CAPOS_ERR_MANIFEST_IMAGE, no view kept, "
         "init not started, exit 35",
         Boot(mode="direct", modules=[RAW_MANIFEST]),
         [BANNER, BAD_MANIFEST, "[boot] error: boot manifest rejected (CAPOS_ERR_MANIFEST_IMAGE, "
          "-296): init cannot start"],
         forbid=["[boot] manifest: init", "[trap]", "[init]", SHUTDOWN_OK], status=EXIT_PANIC),
    # Hostile memory maps, made by GRUB's `cutmem` on the map it hands over.
    refused_boot("cutmem-1m", "memory map without RAM above 1 MiB (GRUB cutmem 1M 4G): module "
                 "outside RAM, CAPOS_ERR_BOOT_BAD_MODULE, exit 35",
                 Boot(mode="bios", iso=iso("cutmem-1m.iso")), BAD_MODULE),
    # 8 MiB, not 4: the kernel, the demo module and GRUB's boot information no longer
    # all fit below 4 MiB (the boot information landed at 0x4030b0).
    Test("cutmem-8m", "memory map cut to 8 MiB (GRUB cutmem 8M 4G), ACPI tables outside "
         "it: memory accounted, then a typed ACPI panic, exit 35",
         Boot(mode="bios", iso=iso("cutmem-8m.iso")),
         [BANNER, MEMORY,
          re.compile(r"^\[panic\] platform bring-up failed: CAPOS_ERR_ACPI_UNMAPPED \(-\d+\)$")],
         forbid=[SHUTDOWN_OK, "[trap]"], status=EXIT_PANIC,
         judge=memory_judge(total_kib=8128, max_mib=8)),
]


# ---- tests of the developer targets (they drive harness.py like make does) -----------

HARNESS = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness.py")]


def _tool(argv, smp, timeout=120):
    """Runs a developer target's harness command with --smp smp; timeout stretched."""
    proc = subprocess.run(argv + ["--smp", str(smp)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace",
                          timeout=timeout * harness.time_scale(smp))
    return proc.returncode, proc.stdout


def _tool_log(name, smp):
    """The COM1 log of a developer-target test at -smp smp (one per count: the counts of
    one test may run side by side)."""
    return os.path.join(TEST_LOG_DIR, f"{smp_id(name, smp)}.console.log")


def _timeout_arg(seconds, smp):
    """harness.py --timeout for -smp smp (the harness takes it as given)."""
    return str(seconds * harness.time_scale(smp))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_make_run(smp):
    """`make run` contract: exit 0 on a clean guest shutdown, COM1 in the named log, init's
    COM2 transcript on the terminal, and the boot summary (banner, CPU features, memory,
    CPU count, timer) shown on exit."""
    log = _tool_log("make-run", smp)
    if os.path.exists(log):
        os.unlink(log)
    rc, out = _tool(HARNESS + ["run", "--mode", "direct", "--com1", log,
                               "--timeout", _timeout_arg(30, smp)], smp)
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
    # init runs from the manifest: its transcript (COM2) reaches the terminal and the
    # kernel log records its exit (tests/qemu/init_tests.py checks both exactly).
    if "[init] exited with status 0" not in text:
        problems.append(f"{log} lacks '[init] exited with status 0'")
    if "init: done, exiting 0" not in out:
        problems.append("init's COM2 transcript did not reach the terminal")
    summary = [BANNER, CPU_FEATURES, MEMORY, madt_cpus(smp), TICKING, SHUTDOWN_OK]
    shown = [line.strip() for line in out.splitlines() if line.startswith("  [")]
    for marker in summary:
        if not any(harness.marker_matches(marker, line) for line in shown):
            problems.append(f"exit summary lacks {harness.marker_text(marker)}")
    return problems, out


# The first session of the README, typed into `make run`'s terminal through a pipe.
FIRST_SESSION_PASSWORD = "correct-horse-7"
FIRST_SESSION = ("setup\nop\n{pw}\n{pw}\nlogin\nop\n{pw}\ncaps\nmotd\n"
                 "run hello with {{ stdio: client @stdio }}\nworld\nshutdown\n"
                 ).format(pw=FIRST_SESSION_PASSWORD)
FIRST_SESSION_WANT = [
    "anonymous> ", 'setup: operator "op" created (volatile)', "logged in as op (operator)",
    "launcher           ProcessSpawner", "Welcome to capOS.", "Hello from capOS!",
    "Nice to meet you, world.", "[1] hello: exit 0", "shutting down"]


def _run_piped_after(argv, prompt, data, timeout):
    """Start argv with piped stdin/stdout; once `prompt` is on stdout, write `data` and
    close stdin (input typed before the guest set up its UART would be lost, as on a
    real line). Returns (exit status or None on timeout, everything printed)."""
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out = bytearray()
    reader = threading.Thread(target=lambda: [out.extend(c) for c in
                                              iter(lambda: proc.stdout.read1(4096), b"")])
    reader.start()
    deadline = time.monotonic() + timeout
    while prompt not in out and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if prompt in out:
        proc.stdin.write(data.encode())
    proc.stdin.close()
    try:
        rc = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = None
    reader.join()
    return rc, out.decode(errors="replace")


def check_make_run_shell(smp):
    """`make run`'s default system boots to the shell's prompt; the README's first session
    piped in (setup, login, caps, motd, run hello with a granted StdIO, shutdown) runs and
    `shutdown` exits QEMU cleanly (harness exit 0); the password appears nowhere."""
    log = _tool_log("make-run-shell", smp)
    if os.path.exists(log):
        os.unlink(log)
    rc, out = _run_piped_after(HARNESS + ["run", "--mode", "bios", "--iso", harness.SYSTEM_ISO,
                                          "--com1", log, "--timeout", _timeout_arg(240, smp),
                                          "--smp", str(smp)],
                               b"anonymous> ", FIRST_SESSION, 240 * harness.time_scale(smp))
    problems = [] if rc == 0 else [f"harness run exited {rc}, expected 0 after `shutdown`"]
    problems += [f"terminal lacks {w!r}" for w in FIRST_SESSION_WANT if w not in out]
    try:
        with open(log, errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    if not re.search(r"\[sys\] shutdown requested by shell \(pid \d+\), code 0", text):
        problems.append(f"{log} lacks the shell's shutdown request")
    if FIRST_SESSION_PASSWORD in out or FIRST_SESSION_PASSWORD in text:
        problems.append("the password appeared on the terminal or in the kernel log")
    return problems, out


def check_make_run_panic(smp):
    """Twin: a guest that ends in a panic (status 35) makes `make run` exit 1."""
    log = _tool_log("make-run-panic", smp)
    rc, out = _tool(HARNESS + ["run", "--mode", "direct", "--append", "selftest=gp",
                               "--com1", log, "--timeout", _timeout_arg(30, smp)], smp)
    problems = []
    if rc != 1:
        problems.append(f"harness run exited {rc}, expected 1 on guest status 35")
    if "capOS: run failed: QEMU status 35 (kernel panic/fault)" not in out:
        problems.append("the failure (status 35) was not reported")
    if f"kernel log (COM1): {log}" not in out:
        problems.append("the log path was not printed on exit")
    return problems, out


def check_gdb(smp):
    """`make gdb` contract: QEMU stops before the first instruction, gdb attaches with
    the kernel's symbols and a hardware breakpoint at kmain hits with the loader's
    arguments (direct load: Multiboot1 magic 0x2badb002). With more than one CPU gdb
    sees one thread per vCPU and names the one that hit: the bootstrap CPU, thread 1."""
    rc, out = _tool(HARNESS + [
        "gdb", "--mode", "direct", "--batch", "--port", str(_free_port()),
        "--com1", _tool_log("gdb", smp),
        "--gdb-ex", "hbreak kmain", "--gdb-ex", "continue",
        "--gdb-ex", "p/x boot_magic", "--gdb-ex", "bt 1"], smp)
    problems = []
    if rc != 0:
        problems.append(f"gdb session exited {rc}")
    hit = "Breakpoint 1" if smp == 1 else "Thread 1 hit Breakpoint 1"
    if not re.search(rf"^{hit}, kmain \(", out, re.M):
        problems.append(f"'{hit}, kmain (' (with symbols) not reported")
    if not re.search(r"^\$1 = 0x2badb002$", out, re.M):
        problems.append("kmain's boot_magic is not the Multiboot1 magic 0x2badb002")
    return problems, out


TOOL_TESTS = [
    ToolTest("make-run", "`make run` path exits 0 on a clean shutdown and names the COM1 log",
             check_make_run),
    ToolTest("make-run-shell", "`make run` path (GRUB ISO, default system): the shell's "
             "prompt, the README's first session piped in, `shutdown` exits 0, no password",
             check_make_run_shell),
    ToolTest("make-run-panic", "`make run` path exits 1 when the guest panics (status 35)",
             check_make_run_panic),
    ToolTest("make-gdb", "`make gdb` path: gdb stub + symbols, breakpoint at kmain hits",
             check_gdb),
]


if __name__ == "__main__":
    sys.exit(run_suite(TESTS + TOOL_TESTS))
