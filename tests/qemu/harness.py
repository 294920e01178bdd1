#!/usr/bin/env python3
"""QEMU boot harness for capOS: boots one image, captures both serial ports, judges the run.

What it owns: the one place that knows how capOS is started under QEMU (flags, boot paths,
firmware, serial wiring, exit-status convention) and how a boot is judged. The suite
`tests/qemu/boot_tests.py` and the developer targets (`make run`, `make run-direct`,
`make gdb`, see tests/qemu/boot.mk) all go through it. Python 3 standard library only.

Boot paths (`Boot.mode`):
  direct  QEMU loads build/capos.elf itself (Multiboot1 a.out-kludge header):
          -kernel ELF -initrd MODULE[,MODULE...] -append CMDLINE. Fastest (~0.2 s).
  bios    GRUB ISO through SeaBIOS: -cdrom ISO.
  uefi    GRUB ISO through OVMF: pflash code + a FRESH copy of OVMF_VARS_4M.fd per run
          (a reused vars file can leave OVMF in its shell). 4.5-7.5 s under TCG.

Always: -accel tcg (never KVM: it is ~3000x slower on these machines), -cpu max (so NX,
SMEP, SMAP, UMIP exist), -nodefaults -display none -no-reboot -monitor none, isa-debug-exit
at 0xf4. A boot with monitor actions (`Boot.monitor`: pairs of a COM1 marker and a QMP
command) also gets a QMP socket (-qmp unix:...,server=on,wait=off in a private temporary
directory); when a COM1 line first matches an action's marker, the harness sends that
command (e.g. {"execute": "inject-nmi"}) and records the reply. COM1 (kernel log) is QEMU's stdout, read by a thread that timestamps each line
and copies it to <log_dir>/<name>.com1.log; COM2 (user terminal) goes to
<log_dir>/<name>.com2.log. The default log_dir is build/tests/qemu/logs/<suite>/,
<suite> being the running script's name, so suites running side by side never share
a log file even when their test ids collide.

Exit statuses: the guest writes v to port 0xf4 and QEMU exits with (v<<1)|1.
  33 (guest 0x10) clean shutdown     35 (guest 0x11) kernel panic or fault
Anything else (including QEMU's own 0/1, a signal, or the timeout) is a failure of the
run. The timeout is a hang detector, not a performance target: set it generously.

Command line (see docs/build-boot-test.md):
  harness.py boot   --mode M [...]  boot once, check markers/status, print a verdict
                    (--qmp-on MARKER JSON: send a QMP command when MARKER shows up)
  harness.py run    --mode M [...]  interactive: COM2 on this terminal, COM1 to a file
  harness.py gdb    --mode M [...]  QEMU halted with a gdb stub, then gdb attached
  harness.py measure --mode M -n N  median time to the banner and to exit
"""
import argparse
import dataclasses
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CAPOS_BUILD", os.path.join(ROOT, "build"))
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")

EXIT_CLEAN = 33   # guest wrote 0x10
EXIT_PANIC = 35   # guest wrote 0x11
STATUS_NAMES = {EXIT_CLEAN: "clean shutdown", EXIT_PANIC: "kernel panic/fault"}

BANNER = "[boot] capOS"
SHUTDOWN_OK = "[boot] shutdown: ok"
# Markers no clean boot may print (a fault self-test expects them instead): a panic,
# a fault report, or any subsystem's error line ("[boot] error: ...", "[mm] error: ...").
CLEAN_FORBIDDEN = ["[panic]", "[trap]", re.compile(r"^\[[\w-]+\] error:")]

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"

DEFAULT_TIMEOUT = {"direct": 30.0, "bios": 30.0, "uefi": 90.0}


@dataclasses.dataclass
class Boot:
    """How to start one guest. Paths default to the build outputs."""
    mode: str = "direct"                       # direct | bios | uefi
    kernel: str = os.path.join(BUILD, "capos.elf")
    modules: list = dataclasses.field(default_factory=lambda: [os.path.join(BUILD, "manifest.bin")])
    iso: str = os.path.join(BUILD, "capos.iso")
    cmdline: str = ""                          # direct mode only; an ISO has its own
    smp: int = 1
    mem: str = "128M"
    cpu: str = "max"                           # QEMU CPU model
    timeout: float = 0.0                       # 0 = DEFAULT_TIMEOUT[mode]
    extra: list = dataclasses.field(default_factory=list)
    # [(marker, QMP command dict)]: sent once, when a COM1 line first matches the marker.
    monitor: list = dataclasses.field(default_factory=list)

    def effective_timeout(self):
        return self.timeout or DEFAULT_TIMEOUT[self.mode]


@dataclasses.dataclass
class Result:
    """What one run produced. Times are seconds since QEMU was spawned."""
    status: int | None                          # QEMU exit status; None if killed on timeout
    timed_out: bool
    elapsed: float
    com1: list                                  # [(t, line)] in arrival order
    com2: str
    stderr: str
    com1_path: str
    com2_path: str
    monitor: list = dataclasses.field(default_factory=list)  # [(t, text)] QMP exchanges
    monitor_problems: list = dataclasses.field(default_factory=list)

    def first_time(self, marker):
        """Time of the first COM1 line matching marker, or None."""
        for t, line in self.com1:
            if marker_matches(marker, line):
                return t
        return None

    def tail(self, n=40):
        return [line for _, line in self.com1[-n:]]


def marker_matches(marker, line):
    """A marker is a substring (str) or a compiled regular expression (re.Pattern)."""
    if isinstance(marker, re.Pattern):
        return marker.search(line) is not None
    return marker in line


def marker_text(marker):
    return f"/{marker.pattern}/" if isinstance(marker, re.Pattern) else repr(marker)


def base_argv(boot):
    """QEMU arguments common to every mode, without the serial wiring."""
    argv = [QEMU, "-accel", "tcg", "-cpu", boot.cpu, "-m", boot.mem, "-smp", str(boot.smp),
            "-nodefaults", "-display", "none", "-no-reboot", "-monitor", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if boot.mode == "direct":
        argv += ["-kernel", boot.kernel, "-append", boot.cmdline]
        if boot.modules:
            # QEMU splits -initrd on commas; a module's cmdline follows its path.
            argv += ["-initrd", ",".join(boot.modules)]
    elif boot.mode == "bios":
        argv += ["-cdrom", boot.iso]
    elif boot.mode == "uefi":
        argv += ["-cdrom", boot.iso]   # pflash drives are added by with_firmware()
    else:
        raise ValueError(f"unknown boot mode {boot.mode!r}")
    return argv + list(boot.extra)


def check_inputs(boot):
    """Returns a list of missing input files (a harness error, not a guest failure)."""
    need = [boot.kernel] + list(boot.modules) if boot.mode == "direct" else [boot.iso]
    if boot.mode == "uefi":
        need += [OVMF_CODE, OVMF_VARS]
    return [p for p in need if not os.path.isfile(p)]


class Firmware:
    """Per-run OVMF variable store: a fresh copy each time, removed afterwards."""

    def __init__(self, boot):
        self.boot = boot
        self.dir = None

    def __enter__(self):
        if self.boot.mode != "uefi":
            return []
        self.dir = tempfile.mkdtemp(prefix="capos-ovmf-")
        vars_copy = os.path.join(self.dir, "OVMF_VARS_4M.fd")
        shutil.copyfile(OVMF_VARS, vars_copy)
        return ["-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
                "-drive", f"if=pflash,format=raw,file={vars_copy}"]

    def __exit__(self, *exc):
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


class QmpError(Exception):
    """The QMP peer refused a command, or spoke something that is not QMP."""


class Qmp:
    """A minimal QMP client on a unix socket: reads the greeting, negotiates
    capabilities, then runs one command at a time (skipping asynchronous events)."""

    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        if "QMP" not in self._message():
            raise QmpError("no QMP greeting")
        self.execute({"execute": "qmp_capabilities"})

    def _message(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise QmpError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        try:
            msg = json.loads(line)
        except ValueError as e:
            raise QmpError(f"not JSON: {line[:80]!r}") from e
        if not isinstance(msg, dict):
            raise QmpError(f"not a QMP object: {line[:80]!r}")
        return msg

    def execute(self, command):
        """Sends a command dict; returns its "return" value or raises QmpError."""
        self.sock.sendall(json.dumps(command).encode() + b"\n")
        while True:
            msg = self._message()
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise QmpError(msg["error"].get("desc", str(msg["error"])))
            # anything else (an "event") is not the reply

    def close(self):
        self.sock.close()


class Monitor:
    """Fires a Boot's monitor actions from the COM1 reader: each action's QMP command
    is sent once, when a line first matches its marker. Connects on first use."""

    def __init__(self, actions, sock_path, start):
        self.pending = list(actions)
        self.sock_path = sock_path
        self.start = start
        self.qmp = None
        self.log = []          # [(t, text)]
        self.problems = []

    def on_line(self, line):
        for action in [a for a in self.pending if marker_matches(a[0], line)]:
            self.pending.remove(action)
            self._send(action[1])

    def _send(self, command):
        t = time.monotonic() - self.start
        try:
            if self.qmp is None:
                self.qmp = Qmp(self.sock_path)
            reply = self.qmp.execute(command)
            self.log.append((t, f"{json.dumps(command)} -> {json.dumps(reply)}"))
        except (OSError, QmpError) as e:
            self.log.append((t, f"{json.dumps(command)} failed: {e}"))
            self.problems.append(f"monitor: {json.dumps(command)} failed: {e}")

    def finish(self):
        """Closes the connection; an action whose marker never appeared is a problem."""
        if self.qmp is not None:
            self.qmp.close()
        for marker, command in self.pending:
            self.problems.append(f"monitor: {json.dumps(command)} never sent "
                                 f"({marker_text(marker)} not seen)")


def _read_com1(stream, start, lines, log, monitor=None):
    """Splits COM1 into lines, stamping each with the time its newline was read (see
    _clamp_stamps for lines read after QEMU exited), and
    hands each line to the monitor (if any) as it arrives."""
    pending = b""
    while True:
        chunk = stream.read1(4096) if hasattr(stream, "read1") else stream.read(4096)
        if not chunk:
            break
        now = time.monotonic() - start
        log.write(chunk)
        log.flush()
        pending += chunk
        while b"\n" in pending:
            raw, pending = pending.split(b"\n", 1)
            lines.append((now, raw.decode("utf-8", "replace").rstrip("\r")))
            if monitor:
                monitor.on_line(lines[-1][1])
    if pending:
        lines.append((time.monotonic() - start, pending.decode("utf-8", "replace").rstrip("\r")))


def _clamp_stamps(lines, elapsed):
    """QEMU wrote every COM1 byte before it exited, but a busy host may run the reader
    thread only after the exit was seen: such a line is stamped with the exit time
    (`elapsed`), the latest moment its newline can have arrived, never later."""
    for i, (t, line) in enumerate(lines):
        if t > elapsed:
            lines[i] = (elapsed, line)


class QmpSocket:
    """For a boot with monitor actions: a private directory holding QEMU's QMP socket
    (a short /tmp path: unix socket paths are limited to 107 bytes), removed afterwards.
    `argv` is what QEMU needs ([] without actions), `path` the socket."""

    def __init__(self, boot):
        self.boot = boot
        self.dir = self.path = None
        self.argv = []

    def __enter__(self):
        if self.boot.monitor:
            self.dir = tempfile.mkdtemp(prefix="capos-qmp-")
            self.path = os.path.join(self.dir, "qmp.sock")
            self.argv = ["-qmp", f"unix:{self.path},server=on,wait=off"]
        return self

    def __exit__(self, *exc):
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def _read_text(path):
    """A capture file's text; empty if QEMU never created it (e.g. it failed to start)."""
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def _stop(proc):
    """Ends a guest that overran its timeout: SIGTERM, then SIGKILL."""
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def default_log_dir():
    """build/tests/qemu/logs/<name of the running script without .py>."""
    suite = os.path.splitext(os.path.basename(sys.argv[0] or "harness"))[0] or "harness"
    return os.path.join(BUILD, "tests", "qemu", "logs", suite)


def run(boot, name, log_dir=None):
    """Boots `boot` once and returns a Result. Never raises for guest behaviour; raises
    FileNotFoundError if an input (kernel, module, ISO, firmware) is missing."""
    missing = check_inputs(boot)
    if missing:
        raise FileNotFoundError("missing input: " + ", ".join(missing))
    log_dir = log_dir or default_log_dir()
    os.makedirs(log_dir, exist_ok=True)
    com1_path = os.path.join(log_dir, f"{name}.com1.log")
    com2_path = os.path.join(log_dir, f"{name}.com2.log")
    err_path = os.path.join(log_dir, f"{name}.stderr.log")
    lines = []
    with Firmware(boot) as fw, QmpSocket(boot) as qmp, \
            open(com1_path, "wb") as com1_log, open(err_path, "wb") as err:
        argv = base_argv(boot) + fw + qmp.argv + [
            "-chardev", "stdio,id=com1,signal=off", "-serial", "chardev:com1",
            "-chardev", f"file,id=com2,path={com2_path}", "-serial", "chardev:com2"]
        start = time.monotonic()
        monitor = Monitor(boot.monitor, qmp.path, start) if boot.monitor else None
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=err)
        reader = threading.Thread(target=_read_com1,
                                  args=(proc.stdout, start, lines, com1_log, monitor))
        reader.start()
        timed_out = False
        try:
            proc.wait(timeout=boot.effective_timeout())
        except subprocess.TimeoutExpired:
            timed_out = True
            _stop(proc)
        elapsed = time.monotonic() - start
        reader.join()
        _clamp_stamps(lines, elapsed)
        if monitor:
            monitor.finish()
    com2, stderr = _read_text(com2_path), _read_text(err_path)
    return Result(None if timed_out else proc.returncode, timed_out, elapsed, lines, com2,
                  stderr, com1_path, com2_path, monitor.log if monitor else [],
                  monitor.problems if monitor else [])


def check(result, expect=(), forbid=(), status=EXIT_CLEAN):
    """Judges a run. expect: markers that must appear on COM1 in this order (each on a
    later line than the previous one); forbid: markers that must appear nowhere;
    status: the QEMU exit status required. A monitor action that failed or never fired
    is a failure too. Returns a list of failure reasons (empty = pass)."""
    problems = []
    if result.timed_out:
        problems.append(f"hang: no exit within {result.elapsed:.0f}s (timeout)")
    elif result.status != status:
        got = STATUS_NAMES.get(result.status, "unexpected")
        problems.append(f"exit status {result.status} ({got}), expected {status} "
                        f"({STATUS_NAMES.get(status, '?')})")
    pos = 0
    for marker in expect:
        for i in range(pos, len(result.com1)):
            if marker_matches(marker, result.com1[i][1]):
                pos = i + 1
                break
        else:
            problems.append(f"missing marker {marker_text(marker)}"
                            + (" (after the previous one)" if pos else ""))
            break
    for marker in forbid:
        for _, line in result.com1:
            if marker_matches(marker, line):
                problems.append(f"forbidden marker {marker_text(marker)}: {line.strip()}")
                break
    return problems + list(result.monitor_problems)


def describe_failure(result, problems, tail=30):
    """Human-readable failure report: reasons, QEMU stderr, the tail of COM1."""
    out = [f"reason: {p}" for p in problems]
    if result.stderr.strip():
        out.append("qemu stderr:")
        out += ["  " + line for line in result.stderr.strip().splitlines()[-10:]]
    if result.monitor:
        out.append("monitor (QMP):")
        out += [f"  {t:.2f}s {text}" for t, text in result.monitor]
    out.append(f"COM1 tail ({result.com1_path}):")
    out += ["  " + line for line in result.tail(tail)] or ["  (no output)"]
    return out


# ---- command line ------------------------------------------------------------------

def boot_from_args(args):
    boot = Boot(mode=args.mode, smp=args.smp, mem=args.mem, cpu=args.cpu, timeout=args.timeout,
                cmdline=args.append, extra=args.qemu_arg or [])
    if args.kernel:
        boot.kernel = args.kernel
    if args.module is not None:
        boot.modules = args.module
    if args.iso:
        boot.iso = args.iso
    for marker, command in getattr(args, "qmp_on", None) or []:
        boot.monitor.append((marker, json.loads(command)))
    return boot


def cmd_boot(args):
    boot = boot_from_args(args)
    result = run(boot, args.name)
    problems = check(result, args.expect or [BANNER, SHUTDOWN_OK],
                     args.forbid if args.forbid is not None else CLEAN_FORBIDDEN, args.status)
    for _, line in result.com1:
        print(line)
    if problems:
        print("\n".join(describe_failure(result, problems)), file=sys.stderr)
        return 1
    print(f"harness: pass ({boot.mode}, status {result.status}, {result.elapsed:.2f}s)",
          file=sys.stderr)
    return 0


def _print_summary(com1_path):
    """After an interactive run: the boot summary lines of the kernel log."""
    summary = re.compile(r"^(\[boot\] (capOS|shutdown|error)|\[cpu\] (features|enabled)|"
                         r"\[mm\] memory|\[acpi\] MADT: \d+ CPUs|\[timer\] (lapic \d+ Hz|ticking)|"
                         r"\[panic\]|\[trap\] fault|\[\w+\] error)")
    try:
        with open(com1_path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return
    picked = [line for line in lines if summary.match(line.strip())]
    if picked:
        print("--- kernel log summary (COM1) ---", file=sys.stderr)
        for line in picked[:40]:
            print("  " + line, file=sys.stderr)


def interactive_boot(args):
    """boot_from_args() for `run` and `gdb`, or None after naming the missing inputs."""
    boot = boot_from_args(args)
    missing = check_inputs(boot)
    if missing:
        print("harness: missing input: " + ", ".join(missing), file=sys.stderr)
        return None
    return boot


def cmd_run(args):
    """`make run`: COM2 (user terminal) on this terminal, COM1 (kernel log) to a file.
    Exits 0 on a clean guest shutdown, 1 otherwise; always names the log."""
    boot = interactive_boot(args)
    if boot is None:
        return 2
    os.makedirs(os.path.dirname(os.path.abspath(args.com1)), exist_ok=True)
    with Firmware(boot) as fw:
        argv = base_argv(boot) + fw + [
            "-chardev", f"file,id=com1,path={args.com1}", "-serial", "chardev:com1",
            "-chardev", "stdio,id=com2,signal=on", "-serial", "chardev:com2"]
        if args.print_argv:
            print(" ".join(argv), file=sys.stderr)
        try:
            rc = subprocess.run(argv, timeout=args.timeout or None).returncode
        except subprocess.TimeoutExpired:
            rc = None
    _print_summary(args.com1)
    print(f"kernel log (COM1): {args.com1}", file=sys.stderr)
    if rc == EXIT_CLEAN:
        print("capOS: clean shutdown (QEMU status 33)", file=sys.stderr)
        return 0
    what = "timeout" if rc is None else f"QEMU status {rc} ({STATUS_NAMES.get(rc, 'unexpected')})"
    print(f"capOS: run failed: {what}", file=sys.stderr)
    return 1


def cmd_gdb(args):
    """`make gdb`: QEMU frozen at the first instruction with a gdb stub on
    localhost:PORT, then gdb with the kernel's symbols attached. QEMU is stopped when
    gdb exits. COM1 goes to a file, COM2 to another file (gdb owns the terminal)."""
    boot = interactive_boot(args)
    if boot is None:
        return 2
    com2 = os.path.splitext(args.com1)[0] + ".com2.log"
    with Firmware(boot) as fw:
        argv = base_argv(boot) + fw + [
            "-chardev", f"file,id=com1,path={args.com1}", "-serial", "chardev:com1",
            "-chardev", f"file,id=com2,path={com2}", "-serial", "chardev:com2",
            "-gdb", f"tcp:127.0.0.1:{args.port}", "-S"]
        # Own session: Ctrl-C in gdb interrupts the guest through the stub instead of
        # killing QEMU along with the terminal's foreground process group.
        qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
        gdb_argv = [args.gdb, "-q", boot.kernel, "-ex", f"target remote :{args.port}"]
        for cmd in args.gdb_ex or []:
            gdb_argv += ["-ex", cmd]
        if args.batch:
            gdb_argv.insert(1, "-batch")
        try:
            old = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C belongs to gdb
            rc = subprocess.run(gdb_argv).returncode
        finally:
            signal.signal(signal.SIGINT, old)
            if qemu.poll() is None:
                _stop(qemu)
    print(f"kernel log (COM1): {args.com1}", file=sys.stderr)
    return rc


def cmd_measure(args):
    """Median (and range) of time to the banner and to QEMU's exit over N runs."""
    boot = boot_from_args(args)
    banner, done = [], []
    for i in range(args.runs):
        result = run(boot, f"measure-{boot.mode}-{i}")
        problems = check(result, [BANNER, SHUTDOWN_OK], CLEAN_FORBIDDEN, EXIT_CLEAN)
        if problems:
            print("\n".join(describe_failure(result, problems)), file=sys.stderr)
            return 1
        banner.append(result.first_time(BANNER))
        done.append(result.elapsed)
    fmt = lambda xs: f"median {statistics.median(xs):.3f}s (min {min(xs):.3f}, max {max(xs):.3f})"
    print(f"{boot.mode}: banner {fmt(banner)}; exit {fmt(done)}; n={args.runs}")
    return 0


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("boot", "run", "gdb", "measure"):
        s = sub.add_parser(name)
        s.add_argument("--mode", choices=("direct", "bios", "uefi"), default="bios")
        s.add_argument("--kernel")
        s.add_argument("--module", action="append", help="boot module (direct mode; repeatable)")
        s.add_argument("--no-module", dest="module", action="store_const", const=[])
        s.add_argument("--iso")
        s.add_argument("--append", default="", help="kernel command line (direct mode)")
        s.add_argument("--smp", type=int, default=1)
        s.add_argument("--mem", default="128M")
        s.add_argument("--cpu", default="max", help="QEMU CPU model (default max)")
        s.add_argument("--timeout", type=float, default=0.0)
        s.add_argument("--qemu-arg", action="append", help="extra QEMU argument (repeatable)")
        if name == "boot":
            s.add_argument("--name", default="adhoc")
            s.add_argument("--expect", action="append")
            s.add_argument("--forbid", action="append")
            s.add_argument("--status", type=int, default=EXIT_CLEAN)
            s.add_argument("--qmp-on", nargs=2, action="append", metavar=("MARKER", "JSON"),
                           help="send QMP command JSON when a COM1 line contains MARKER")
        if name in ("run", "gdb"):
            s.add_argument("--com1", default=os.path.join(BUILD, "console.log"))
        if name == "run":
            s.add_argument("--print-argv", action="store_true")
        if name == "gdb":
            s.add_argument("--port", type=int, default=1234)
            s.add_argument("--gdb", default="gdb")
            s.add_argument("--gdb-ex", action="append", help="gdb command after attaching")
            s.add_argument("--batch", action="store_true")
        if name == "measure":
            s.add_argument("-n", "--runs", type=int, default=5)
    args = p.parse_args(argv[1:])
    return {"boot": cmd_boot, "run": cmd_run, "gdb": cmd_gdb, "measure": cmd_measure}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
