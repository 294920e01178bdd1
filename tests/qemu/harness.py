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

Always: -accel tcg (never KVM: it is ~3000x slower on these machines), with
thread=multi (MTTCG: one host thread per vCPU, real parallelism and real races) when the
boot has more than one CPU, except under -icount, which QEMU runs single-threaded (it
refuses MTTCG with icount; the vCPUs then run round-robin, deterministically); -cpu max
(so NX, SMEP, SMAP, UMIP exist), -nodefaults -display none -no-reboot -monitor none, isa-debug-exit
at 0xf4. A boot with monitor actions (`Boot.monitor`: pairs of a COM1 marker and a QMP
command) also gets a QMP socket (-qmp unix:...,server=on,wait=off in a private temporary
directory); when a COM1 line first matches an action's marker, the harness sends that
command (e.g. {"execute": "inject-nmi"}) and records the reply. COM1 (kernel log) is QEMU's stdout, read by a thread that timestamps each line
and copies it to <log_dir>/<name>.com1.log; COM2 (user terminal) goes to
<log_dir>/<name>.com2.log (run()), or is scripted by a test through a unix socket
(Terminal: expect/expect_exact/send/wait; the bytes are logged to the same file). Every
boot has a QMP socket; a guest stopped at its timeout (or when a Terminal script ends
early) is first inspected through it: <name>.hang.log holds each vCPU's registers, its
RIP symbolized against the kernel's nm and the kernel text addresses on its stack
(hang_dump), the evidence of what every CPU was doing when the run hung. The
default log_dir is build/tests/qemu/logs/<suite>/,
<suite> being the running script's name, so suites running side by side never share
a log file even when their test ids collide.

Exit statuses: the guest writes v to port 0xf4 and QEMU exits with (v<<1)|1.
  33 (guest 0x10) clean shutdown     35 (guest 0x11) kernel panic or fault
Anything else (including QEMU's own 0/1, a signal, or the timeout) is a failure of the
run. The timeout is a hang detector, not a performance target: set it generously. Every
timeout (the boot's, a Terminal expect's) is stretched by time_scale(): 1x at -smp 1,
1.5x at -smp 2, 2.5x at -smp 4 (four vCPU threads share the CI machine's two cores with
another guest), so one suite's figures hold at every CPU count.

Command line (see docs/build-boot-test.md):
  harness.py boot   --mode M [...]  boot once, check markers/status, print a verdict
                    (--qmp-on MARKER JSON: send a QMP command when MARKER shows up)
  harness.py run    --mode M [...]  interactive: COM2 on this terminal, COM1 to a file
  harness.py gdb    --mode M [...]  QEMU halted with a gdb stub, then gdb attached
  harness.py measure --mode M -n N  median time to the banner and to exit
"""
import argparse
import bisect
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

# The module a Boot loads unless told otherwise: the demo graph (system/demo.capnp), a
# whole system that ends by itself. build/manifest.bin (system/system.capnp, what
# `make run` boots) runs the shell and waits for input on COM2: drive it with Terminal.
DEMO_MODULE = os.path.join(BUILD, "demo.manifest.bin")
DEMO_ISO = os.path.join(BUILD, "tests", "qemu", "demo.iso")
SYSTEM_MODULE = os.path.join(BUILD, "manifest.bin")
SYSTEM_ISO = os.path.join(BUILD, "capos.iso")

DEFAULT_TIMEOUT = {"direct": 30.0, "bios": 30.0, "uefi": 90.0}


def smp_cpus(smp):
    """The number of CPUs a Boot's `smp` starts: an int, or a QEMU -smp string whose
    first field is the count ("2,maxcpus=4" -> 2). Raises ValueError otherwise."""
    if isinstance(smp, int) and not isinstance(smp, bool):
        n = smp
    else:
        first = str(smp).split(",", 1)[0]
        n = int(first.split("=", 1)[1] if first.startswith("cpus=") else first)
    if n < 1:
        raise ValueError(f"-smp {smp!r}: no CPU")
    return n


def time_scale(smp):
    """How much longer a guest with this -smp may take before it counts as hung: 1 + (n-1)/2
    (1x, 1.5x, 2.5x for 1, 2, 4 CPUs). Under MTTCG each vCPU is a host thread; on the
    2-core CI machine, with two guests running at once, -smp 4 means eight vCPU threads
    on two cores whenever the guests keep their CPUs busy."""
    return 1.0 + (smp_cpus(smp) - 1) / 2.0


def uses_icount(boot):
    """The boot asks QEMU for instruction counting (-icount): single-threaded TCG."""
    return "-icount" in boot.extra


def accel(boot):
    """The -accel value: plain tcg for one CPU (QEMU picks MTTCG itself, as always) or
    under -icount (QEMU refuses MTTCG with icount: the vCPUs run round-robin on one
    thread); tcg,thread=multi for more than one CPU, asked for explicitly so that a
    multi-CPU test never runs single-threaded by accident."""
    if boot.accel:
        return boot.accel  # the boot chose its own (a benchmark pinning MTTCG)
    if smp_cpus(boot.smp) == 1 or uses_icount(boot):
        return "tcg"
    return "tcg,thread=multi"


@dataclasses.dataclass
class Boot:
    """How to start one guest. Paths default to the build outputs."""
    mode: str = "direct"                       # direct | bios | uefi
    kernel: str = os.path.join(BUILD, "capos.elf")
    modules: list = dataclasses.field(default_factory=lambda: [DEMO_MODULE])
    iso: str = DEMO_ISO
    cmdline: str = ""                          # direct mode only; an ISO has its own
    smp: int = 1                               # CPUs, or a -smp string ("2,maxcpus=4")
    mem: str = "128M"
    cpu: str = "max"                           # QEMU CPU model
    accel: str = ""                            # -accel value; "" = accel(boot) decides
    timeout: float = 0.0                       # 0 = DEFAULT_TIMEOUT[mode]
    extra: list = dataclasses.field(default_factory=list)
    # [(marker, QMP command dict)]: sent once, when a COM1 line first matches the marker.
    monitor: list = dataclasses.field(default_factory=list)

    def effective_timeout(self):
        """The timeout (or the mode's default) stretched by time_scale(smp)."""
        return (self.timeout or DEFAULT_TIMEOUT[self.mode]) * time_scale(self.smp)


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
    argv = [QEMU, "-accel", accel(boot), "-cpu", boot.cpu, "-m", boot.mem, "-smp", str(boot.smp),
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
    """A private directory holding QEMU's QMP socket (a short /tmp path: unix socket
    paths are limited to 107 bytes), removed afterwards; used by monitor actions and by
    hang_dump. `argv` is what QEMU needs, `path` the socket."""

    def __init__(self, boot):
        self.boot = boot
        self.dir = self.path = None
        self.argv = []

    def __enter__(self):
        # Every boot gets the socket (not only one with actions): a guest that overruns
        # its timeout is inspected through it (hang_dump) before it is stopped.
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


REG_LINE = re.compile(r"\b(RIP|RSP|RBP|CR3)=([0-9a-f]{16})")


def _kernel_symbols(kernel):
    """[(address, name)] of the kernel's text symbols, sorted (nm -n); [] without nm."""
    try:
        out = subprocess.run(["nm", "-n", "--defined-only", kernel], capture_output=True,
                             text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            syms.append((int(parts[0], 16), parts[2]))
    return syms


def _symbolize(syms, addr):
    """'name+0xoff' for a kernel text address, or None."""
    i = bisect.bisect_right(syms, (addr, "\xff")) - 1
    if i < 0 or i >= len(syms) - 1 or syms[i][1] == "__text_end":
        return None
    return f"{syms[i][1]}+{addr - syms[i][0]:#x}"


def hang_dump(qmp, kernel, path, stack_words=64):
    """Writes what each vCPU was doing when a guest is judged hung to `path`: QEMU's
    `info registers` per CPU, its RIP symbolized, and the kernel text addresses found in
    the top `stack_words` words of its stack (a poor man's backtrace: stale words
    included). Best effort: errors are written into the file, never raised."""
    syms = _kernel_symbols(kernel)
    with open(path, "w") as f:
        try:
            cpus = qmp.execute({"execute": "query-cpus-fast"})
            for cpu in cpus:
                idx = cpu["cpu-index"]
                regs = qmp.execute({"execute": "human-monitor-command",
                                    "arguments": {"command-line": "info registers",
                                                  "cpu-index": idx}})
                vals = dict(REG_LINE.findall(regs))
                rip = int(vals.get("RIP", "0"), 16)
                f.write(f"=== cpu {idx}: RIP {rip:#x} {_symbolize(syms, rip) or '(not kernel text)'}\n")
                f.write("".join(l for l in regs.splitlines(True)
                                if not l.startswith(("YMM", "FPR", "XMM"))))
                rsp = vals.get("RSP")
                if rsp is None:
                    continue
                mem = qmp.execute({"execute": "human-monitor-command",
                                   "arguments": {"command-line": f"x/{stack_words}gx 0x{rsp}",
                                                 "cpu-index": idx}})
                f.write(f"--- cpu {idx}: kernel text on the stack from RSP 0x{rsp}\n")
                for word in re.findall(r"0x([0-9a-f]{16})", mem):
                    name = _symbolize(syms, int(word, 16))
                    if name:
                        f.write(f"  {word} {name}\n")
        except (OSError, QmpError, KeyError) as e:
            f.write(f"hang dump failed: {e}\n")


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


class _Guest:
    """One QEMU process with COM1 read line by line from its stdout (timestamped, copied
    to <name>.com1.log, handed to the monitor) and COM2 wired by `com2_argv` (the
    -chardev/-serial pair). Used by run() (COM2 to a file) and Terminal (COM2 on a
    unix socket)."""

    def __init__(self, boot, name, log_dir, com2_argv):
        missing = check_inputs(boot)
        if missing:
            raise FileNotFoundError("missing input: " + ", ".join(missing))
        self.boot = boot
        log_dir = log_dir or default_log_dir()
        os.makedirs(log_dir, exist_ok=True)
        self.com1_path = os.path.join(log_dir, f"{name}.com1.log")
        self.com2_path = os.path.join(log_dir, f"{name}.com2.log")
        self.err_path = os.path.join(log_dir, f"{name}.stderr.log")
        self.com2_argv = com2_argv
        self.lines = []
        self.proc = None

    def start(self):
        """Spawns QEMU (entering the firmware and QMP contexts; finish() leaves them)."""
        self._fw = Firmware(self.boot)
        self._qmp = QmpSocket(self.boot)
        fw = self._fw.__enter__()
        qmp = self._qmp.__enter__()
        self._com1_log = open(self.com1_path, "wb")
        self._err = open(self.err_path, "wb")
        argv = base_argv(self.boot) + fw + qmp.argv + [
            "-chardev", "stdio,id=com1,signal=off", "-serial", "chardev:com1"] + self.com2_argv
        self.start_time = time.monotonic()
        self.monitor = Monitor(self.boot.monitor, qmp.path, self.start_time) \
            if self.boot.monitor else None
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._err)
        self.reader = threading.Thread(target=_read_com1,
                                       args=(self.proc.stdout, self.start_time, self.lines,
                                             self._com1_log, self.monitor))
        self.reader.start()

    def deadline(self):
        """time.monotonic() value at which the boot's timeout runs out."""
        return self.start_time + self.boot.effective_timeout()

    def dump_state(self):
        """hang_dump of the still-running guest into <name>.hang.log (through the
        monitor's QMP connection when it has one: the socket takes one client)."""
        try:
            qmp = self.monitor.qmp if self.monitor and self.monitor.qmp else Qmp(self._qmp.path)
        except (OSError, QmpError):
            return
        hang_dump(qmp, self.boot.kernel, self.com1_path.replace(".com1.log", ".hang.log"))
        if not (self.monitor and self.monitor.qmp):
            qmp.close()

    def finish(self, com2_text=None):
        """Waits for QEMU until the boot's timeout (then stops it), closes everything
        and returns the Result; COM2 is read from its log unless com2_text is given."""
        timed_out = False
        try:
            self.proc.wait(timeout=max(0.0, self.deadline() - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
            self.dump_state()
            _stop(self.proc)
        elapsed = time.monotonic() - self.start_time
        self.reader.join()
        _clamp_stamps(self.lines, elapsed)
        if self.monitor:
            self.monitor.finish()
        self._com1_log.close()
        self._err.close()
        self._qmp.__exit__(None, None, None)
        self._fw.__exit__(None, None, None)
        com2 = _read_text(self.com2_path) if com2_text is None else com2_text
        monitor = self.monitor
        return Result(None if timed_out else self.proc.returncode, timed_out, elapsed,
                      self.lines, com2, _read_text(self.err_path), self.com1_path,
                      self.com2_path, monitor.log if monitor else [],
                      monitor.problems if monitor else [])


def run(boot, name, log_dir=None):
    """Boots `boot` once and returns a Result. Never raises for guest behaviour; raises
    FileNotFoundError if an input (kernel, module, ISO, firmware) is missing. COM2 is
    captured to <name>.com2.log (no input: a scripted terminal is Terminal)."""
    log_dir = log_dir or default_log_dir()
    com2_path = os.path.join(log_dir, f"{name}.com2.log")
    guest = _Guest(boot, name, log_dir,
                   ["-chardev", f"file,id=com2,path={com2_path}", "-serial", "chardev:com2"])
    guest.start()
    return guest.finish()


class TerminalError(Exception):
    """A scripted-terminal step failed: an expect timed out (or the guest exited, or the
    boot's timeout ran out) before the pattern appeared. `tail` holds the COM2 output
    not yet consumed by an expect."""

    def __init__(self, message, tail=b""):
        super().__init__(message)
        self.tail = tail


class Terminal:
    """A boot whose user terminal (COM2) is scripted: COM2 is a unix-socket chardev
    (QEMU waits for the harness to connect before the guest runs, so no output is
    lost) and the test types into it and reads what the guest writes.

        with harness.Terminal(boot, "term-line") as t:
            t.expect("prompt> ", timeout=10)   # str/bytes literal or re.Pattern
            t.send(b"abc\r")                   # bytes (or str, UTF-8) as typed
            t.expect(re.compile(rb"got (\w+)"))
            ...
        result = t.result   # harness.Result: COM1 lines and the whole COM2 text

    expect() searches the COM2 output after the end of the previous match and moves
    past this one; it returns the matched bytes (a literal) or the re.Match (a
    pattern), and raises TerminalError on timeout, on the guest's exit or when the
    boot's timeout runs out. `output` is every COM2 byte so far. wait() lets the guest
    run to its own exit (up to the boot's timeout) and returns the Result; leaving the
    block without it (or on an exception) stops QEMU first, so the Result then records
    a timeout. Both logs are written as with run(): <name>.com1.log and
    <name>.com2.log (every byte the guest wrote to COM2, echo included).
    """

    def __init__(self, boot, name, log_dir=None):
        self.boot, self.name = boot, name
        self.log_dir = log_dir or default_log_dir()
        self.result = None
        self._dir = None
        self._buf = bytearray()
        self._pos = 0
        self._cond = threading.Condition()
        self._closed = False

    def __enter__(self):
        self._dir = tempfile.mkdtemp(prefix="capos-com2-")
        sock_path = os.path.join(self._dir, "com2.sock")
        self._guest = _Guest(self.boot, self.name, self.log_dir, [
            "-chardev", f"socket,id=com2,path={sock_path},server=on,wait=on",
            "-serial", "chardev:com2"])
        self._guest.start()
        try:
            self._sock = self._connect(sock_path)
        except OSError:
            _stop(self._guest.proc)
            self._guest.finish()
            shutil.rmtree(self._dir, ignore_errors=True)
            raise
        self._com2_log = open(self._guest.com2_path, "wb")
        self._rx = threading.Thread(target=self._read_com2)
        self._rx.start()
        return self

    def _connect(self, path):
        """QEMU creates the socket and waits for us (wait=on): retry until it exists."""
        end = time.monotonic() + 10.0
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                return s
            except OSError:
                s.close()
                if time.monotonic() > end or self._guest.proc.poll() is not None:
                    raise
                time.sleep(0.02)

    def _read_com2(self):
        while True:
            try:
                chunk = self._sock.recv(4096)
            except OSError:
                chunk = b""
            with self._cond:
                if not chunk:
                    self._closed = True
                    self._cond.notify_all()
                    return
                self._buf += chunk
                self._com2_log.write(chunk)
                self._com2_log.flush()
                self._cond.notify_all()

    @property
    def output(self):
        with self._cond:
            return bytes(self._buf)

    def send(self, data):
        """Types `data` (bytes, or str as UTF-8) into COM2."""
        if isinstance(data, str):
            data = data.encode()
        self._sock.sendall(data)

    def _find(self, pattern):
        """(match value, end offset) of pattern in the unconsumed output, or None."""
        if isinstance(pattern, re.Pattern):
            if isinstance(pattern.pattern, str):
                pattern = re.compile(pattern.pattern.encode(), pattern.flags & ~re.UNICODE)
            m = pattern.search(self._buf, self._pos)
            return (m, m.end()) if m else None
        lit = pattern.encode() if isinstance(pattern, str) else bytes(pattern)
        i = self._buf.find(lit, self._pos)
        return (lit, i + len(lit)) if i >= 0 else None

    def expect(self, pattern, timeout=10.0):
        """Waits until `pattern` appears in COM2 output after the previous match (timeout
        stretched by time_scale(), like the boot's)."""
        timeout *= time_scale(self.boot.smp)
        end = min(time.monotonic() + timeout, self._guest.deadline())
        with self._cond:
            while True:
                found = self._find(pattern)
                if found:
                    self._pos = found[1]
                    return found[0]
                left = end - time.monotonic()
                if self._closed or left <= 0:
                    why = "COM2 closed (guest exited)" if self._closed else f"{timeout}s timeout"
                    raise TerminalError(f"expected {marker_text(pattern)} on COM2: {why}",
                                        bytes(self._buf[self._pos:]))
                self._cond.wait(left)

    def expect_exact(self, data, timeout=10.0):
        """The next COM2 bytes (after the previous match) must be exactly `data` (bytes,
        or str as UTF-8): waits for that many, consumes them, raises TerminalError on a
        difference (naming the first differing offset) or as expect() does."""
        want = data.encode() if isinstance(data, str) else bytes(data)
        timeout *= time_scale(self.boot.smp)
        end = min(time.monotonic() + timeout, self._guest.deadline())
        with self._cond:
            while len(self._buf) - self._pos < len(want):
                got = bytes(self._buf[self._pos:])
                if not want.startswith(got):
                    break  # already different: no need to wait for the rest
                left = end - time.monotonic()
                if self._closed or left <= 0:
                    why = "COM2 closed (guest exited)" if self._closed else f"{timeout}s timeout"
                    raise TerminalError(f"expected exactly {want!r} on COM2: {why}", got)
                self._cond.wait(left)
            got = bytes(self._buf[self._pos:self._pos + len(want)])
            if got != want:
                i = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]),
                         min(len(got), len(want)))
                raise TerminalError(f"COM2 differs at byte {i}: got {got[i:i + 40]!r}, want "
                                    f"{want[i:i + 40]!r} (wanted {want!r})",
                                    bytes(self._buf[self._pos:]))
            self._pos += len(want)
            return got

    def wait(self):
        """Lets the guest run to its own exit (bounded by the boot's timeout); the Result."""
        return self._close(stop=False)

    def _close(self, stop):
        if self.result is not None:
            return self.result
        stopped = stop and self._guest.proc.poll() is None
        if stopped:
            self._guest.dump_state()
            _stop(self._guest.proc)
        result = self._guest.finish(com2_text="")
        self._sock.close()
        self._rx.join()
        self._com2_log.close()
        shutil.rmtree(self._dir, ignore_errors=True)
        result.com2 = bytes(self._buf).decode("utf-8", "replace")
        if stopped:  # the script ended early: no exit status of the guest's own
            result.status, result.timed_out = None, True
        self.result = result
        return result

    def __exit__(self, *exc):
        self._close(stop=True)
        return False


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
    COM2 is a mux'ed stdio chardev without signals: Ctrl-C reaches the guest (the
    terminal's interrupt), Ctrl-A x quits QEMU; piped input works too. Exits 0 on a
    clean guest shutdown, 1 otherwise; always names the log."""
    boot = interactive_boot(args)
    if boot is None:
        return 2
    os.makedirs(os.path.dirname(os.path.abspath(args.com1)), exist_ok=True)
    with Firmware(boot) as fw:
        argv = base_argv(boot) + fw + [
            "-chardev", f"file,id=com1,path={args.com1}", "-serial", "chardev:com1",
            "-chardev", "stdio,id=com2,mux=on,signal=off", "-serial", "chardev:com2"]
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
