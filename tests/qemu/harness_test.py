#!/usr/bin/env python3
"""Tests of the QEMU boot harness itself (tests/qemu/harness.py), without QEMU.

The harness is what every boot test trusts, so its own logic gets hostile tests: a
fake `qemu-system-x86_64` (a small Python script selected through the QEMU environment
variable the harness honours) prints chosen COM1 output, records its command line,
and exits with a chosen status or hangs. The tests check the QEMU flags per boot mode
(TCG only, -cpu max, isa-debug-exit, a fresh OVMF vars copy per UEFI run), line
capture and timestamps, the COM1 log file, marker order, forbidden markers, exit
statuses, the hang timeout, that a guest doing nothing fails, and the QMP monitor
actions (socket only when asked for, command sent on its marker, a refused or never
sent command is a failure) against a fake QMP server, and the scripted COM2 terminal
(Terminal: a waiting socket chardev, expect/expect_exact/send/wait, timeouts, a
mismatch, the guest's exit) against a fake guest on that socket. The CPU-count axis
(tests/qemu/suite.py, tests/run.py): -accel per count (MTTCG above one CPU, never with
-icount), timeouts stretched per count, CAPOS_TEST_SMP parsed and unknown counts refused,
every test expanded to one run per count with `@smp<n>` ids and count-dependent values
resolved, single-count tests run once at their own count whatever the selection,
run_suite end to end.

Output follows tests/run.py: `ok <id> - desc` / `not ok <id> - reason`.
"""
import json
import os
import re
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))

FAKE_QEMU = r'''#!/usr/bin/env python3
import json, os, sys, time
mode = os.environ["FAKE_QEMU_MODE"]
with open(os.environ["FAKE_QEMU_ARGV"], "w") as f:
    json.dump(sys.argv, f)
vars_ok = any(a.startswith("if=pflash,format=raw,file=") and
              os.path.isfile(a.split("file=", 1)[1]) for a in sys.argv)
out = sys.stdout
if mode == "clean":
    out.write("\n[boot] capOS test\r\n[cpu] features: nx\n[boot] shutdown: ok\n")
    sys.exit(33)
if mode == "uefi":
    out.write("vars-present\n" if vars_ok else "vars-missing\n")
    sys.exit(33)
if mode == "panic":
    out.write("[boot] capOS test\n[panic] boom\n")
    sys.exit(35)
if mode == "slow":
    out.write("[boot] capOS test\n"); out.flush()
    time.sleep(1.5)  # a loaded host may stamp the first line up to ~1 s late
    out.write("[boot] shutdown: ok\n"); out.flush()
    sys.exit(33)
if mode == "hang":
    out.write("[boot] capOS test\n"); out.flush()
    time.sleep(120)
if mode == "hang-qmp":
    # Hangs with a QMP server that answers the harness's hang dump: one CPU, its
    # registers (RIP at the kernel's first text symbol + 4) and the words at RSP.
    import socket
    path = sys.argv[sys.argv.index("-qmp") + 1].split(":", 1)[1].split(",")[0]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path); srv.listen(1)
    out.write("[boot] capOS test\n"); out.flush()
    conn, _ = srv.accept()
    conn.sendall(b'{"QMP": {"version": {}, "capabilities": []}}\n')
    regs = ("CPU#0\nRAX=0000000000000000 RBX=0000000000000001\n"
            "RSP=ffffffff80200000 RBP=0000000000000000\nRIP=ffffffff80100004 RFL=00000202 "
            "HLT=1\nYMM00=0 0 0 0\n")
    mem = "ffffffff80200000: 0xffffffff80100010 0x0000000000000007\n"
    for line in conn.makefile("rb"):
        cmd = json.loads(line)
        name, args = cmd["execute"], cmd.get("arguments", {})
        if name == "query-cpus-fast":
            reply = [{"cpu-index": 0}]
        elif name == "human-monitor-command":
            reply = regs if args["command-line"] == "info registers" else mem
        else:
            reply = {}
        conn.sendall(json.dumps({"return": reply}).encode() + b"\n")
    time.sleep(120)
if mode == "silent":
    sys.exit(33)
if mode == "echo-smp":
    # Reports the CPU count and accelerator it was given, like a boot's MADT line.
    arg = lambda f: sys.argv[sys.argv.index(f) + 1]
    out.write(f"[boot] capOS test\n[fake] smp {arg('-smp')} accel {arg('-accel')}\n"
              "[boot] shutdown: ok\n")
    sys.exit(33)
if mode == "nonewline":
    out.write("[boot] capOS test\n[panic] cut"); sys.exit(35)
if mode == "qmp":
    # A QMP server like QEMU's: greeting, capabilities, an event before a reply;
    # inject-nmi "happens" on COM1; any other command is refused. Exits after the
    # first command that is not qmp_capabilities.
    import socket
    path = sys.argv[sys.argv.index("-qmp") + 1].split(":", 1)[1].split(",")[0]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path); srv.listen(1); srv.settimeout(5)
    out.write("[boot] capOS test\n[selftest] nmi: waiting\n"); out.flush()
    try:
        conn, _ = srv.accept()
    except OSError:
        out.write("no-qmp-client\n"); sys.exit(33)
    conn.sendall(b'{"QMP": {"version": {}, "capabilities": []}}\n')
    f = conn.makefile("rb")
    for line in f:
        cmd = json.loads(line)["execute"]
        if cmd == "qmp_capabilities":
            conn.sendall(b'{"event": "RESUME", "data": {}}\n{"return": {}}\n')
            continue
        if cmd == "inject-nmi":
            conn.sendall(b'{"return": {}}\n')
            out.write("[trap] nmi on ist stack\n[boot] shutdown: ok\n"); out.flush()
        else:
            conn.sendall(b'{"error": {"class": "CommandNotFound", "desc": "The command '
                         + cmd.encode() + b' has not been found"}}\n')
        sys.exit(33)
    sys.exit(1)
if mode == "terminal":
    # COM2 as QEMU's socket chardev with server=on,wait=on: nothing runs before the
    # harness connects. Prompt, read a line (CR), echo it, greet, exit 33; an input
    # line "hang" makes the guest hang instead.
    import socket
    spec = sys.argv[sys.argv.index("-chardev", sys.argv.index("chardev:com1")) + 1]
    path = [p.split("=", 1)[1] for p in spec.split(",") if p.startswith("path=")][0]
    ok = spec.startswith("socket,id=com2,") and "server=on" in spec and "wait=on" in spec
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path); srv.listen(1)
    conn, _ = srv.accept()
    out.write("[boot] capOS test\n"); out.flush()
    conn.sendall(b"chardev ok\nname> " if ok else b"chardev wrong\nname> ")
    line = b""
    while not line.endswith(b"\r"):
        b = conn.recv(1)
        if not b:
            sys.exit(1)
        line += b
        conn.sendall(b)
    conn.sendall(b"\r\nhello " + line[:-1] + b"\n")
    if line == b"hang\r":
        time.sleep(120)
    out.write("[boot] shutdown: ok\n"); out.flush()
    conn.close()
    sys.exit(33)
sys.exit(1)
'''

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Env:
    """A temporary build directory with dummy inputs and the fake QEMU."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="capos-harness-test-")
        d = self.tmp.name
        self.qemu = os.path.join(d, "fake-qemu")
        with open(self.qemu, "w") as f:
            f.write(FAKE_QEMU)
        os.chmod(self.qemu, 0o755)
        self.argv_file = os.path.join(d, "argv.json")
        for name in ("capos.elf", "manifest.bin", "capos.iso"):
            with open(os.path.join(d, name), "w") as f:
                f.write("x")
        os.environ["QEMU"] = self.qemu
        os.environ["FAKE_QEMU_ARGV"] = self.argv_file
        sys.path.insert(0, HERE)
        import harness
        import suite
        harness.QEMU = self.qemu
        self.h = harness
        self.suite = suite

    def boot(self, mode="direct", **kw):
        d = self.tmp.name
        return self.h.Boot(mode=mode, kernel=os.path.join(d, "capos.elf"),
                           modules=[os.path.join(d, "manifest.bin")],
                           iso=os.path.join(d, "capos.iso"), **kw)

    def run(self, fake_mode, boot=None, name="t"):
        os.environ["FAKE_QEMU_MODE"] = fake_mode
        return self.h.run(boot or self.boot(), name, log_dir=os.path.join(self.tmp.name, "logs"))

    def argv(self):
        with open(self.argv_file) as f:
            return json.load(f)


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def pair(argv, flag):
    """Values following each occurrence of flag."""
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == flag]


@test
def argv_direct(env):
    """direct mode: TCG only (multi-threaded for -smp 2), -cpu max, the fixed device set,
    -kernel/-initrd/-append"""
    env.run("clean", env.boot(cmdline="selftest=pf", smp=2, mem="64M"))
    a = env.argv()
    expect(pair(a, "-accel") == ["tcg,thread=multi"], f"-accel {pair(a, '-accel')}")
    expect(not any("kvm" in x for x in a), "kvm mentioned")
    expect(pair(a, "-cpu") == ["max"], f"-cpu {pair(a, '-cpu')}")
    for flag in ("-nodefaults", "-no-reboot"):
        expect(flag in a, f"{flag} missing")
    expect(pair(a, "-display") == ["none"] and pair(a, "-monitor") == ["none"], "display/monitor")
    expect("isa-debug-exit,iobase=0xf4,iosize=0x04" in pair(a, "-device"), "isa-debug-exit")
    expect(pair(a, "-smp") == ["2"] and pair(a, "-m") == ["64M"], "smp/mem")
    expect(pair(a, "-kernel") == [env.boot().kernel], "-kernel")
    expect(pair(a, "-initrd") == [env.boot().modules[0]], "-initrd")
    expect(pair(a, "-append") == ["selftest=pf"], "-append")
    expect(len(pair(a, "-serial")) == 2, "COM1 and COM2 both wired")


@test
def argv_two_modules(env):
    """direct mode: several modules become one comma-separated -initrd"""
    b = env.boot()
    b.modules = [b.modules[0], b.modules[0]]
    env.run("clean", b)
    expect(pair(env.argv(), "-initrd") == [",".join(b.modules)], str(pair(env.argv(), "-initrd")))


@test
def argv_bios(env):
    """bios mode: -cdrom ISO, no -kernel, no pflash"""
    env.run("clean", env.boot("bios"))
    a = env.argv()
    expect(pair(a, "-cdrom") == [env.boot().iso], "-cdrom")
    expect("-kernel" not in a and not any("pflash" in x for x in a), "direct/uefi leftovers")


@test
def uefi_fresh_vars(env):
    """uefi mode: read-only OVMF code + a vars copy that exists during the run, is not
    the system file, differs per run, and is removed afterwards"""
    if not all(os.path.isfile(p) for p in (env.h.OVMF_CODE, env.h.OVMF_VARS)):
        raise AssertionError("OVMF not installed (make deps)")
    r = env.run("uefi", env.boot("uefi"))
    first = env.argv()
    drives = pair(first, "-drive")
    expect(f"if=pflash,format=raw,readonly=on,file={env.h.OVMF_CODE}" in drives, "code drive")
    vars1 = [d.split("file=", 1)[1] for d in drives if "readonly" not in d and "pflash" in d]
    expect(len(vars1) == 1 and vars1[0] != env.h.OVMF_VARS, f"vars drive {vars1}")
    expect(any("vars-present" in line for _, line in r.com1), "vars copy missing during run")
    expect(not os.path.exists(vars1[0]), "vars copy left behind")
    env.run("uefi", env.boot("uefi"))
    vars2 = [d for d in pair(env.argv(), "-drive") if "readonly" not in d]
    expect(vars2 != [f"if=pflash,format=raw,file={vars1[0]}"], "vars copy reused")


@test
def clean_capture(env):
    """a clean run: status 33, CR stripped, lines in order with rising timestamps,
    the COM1 log holds the bytes, and the clean-boot check passes"""
    r = env.run("clean", name="clean")
    lines = [line for _, line in r.com1]
    expect(r.status == 33 and not r.timed_out, f"status {r.status}")
    expect(lines == ["", "[boot] capOS test", "[cpu] features: nx", "[boot] shutdown: ok"],
           f"lines {lines}")
    times = [t for t, _ in r.com1]
    expect(times == sorted(times) and 0 <= times[0] <= r.elapsed, f"times {times}")
    with open(r.com1_path, "rb") as f:
        expect(f.read().startswith(b"\n[boot] capOS test\r\n"), "COM1 log content")
    problems = env.h.check(r, [env.h.BANNER, env.h.SHUTDOWN_OK], env.h.CLEAN_FORBIDDEN, 33)
    expect(problems == [], f"problems {problems}")


@test
def late_reader_stamps(env):
    """a reader thread that gets the CPU only after QEMU exited (a busy host) still
    stamps every line within the run: 0 <= stamp <= elapsed, in order"""
    real = env.h._read_com1

    def late(stream, *args):
        time.sleep(0.3)  # QEMU (the fake) writes and exits meanwhile
        real(stream, *args)
    env.h._read_com1 = late
    try:
        r = env.run("clean")
    finally:
        env.h._read_com1 = real
    times = [t for t, _ in r.com1]
    expect(len(times) == 4 and times == sorted(times), f"lines {r.com1}")
    expect(0 <= times[0] and times[-1] <= r.elapsed, f"times {times}, elapsed {r.elapsed}")


@test
def timestamps_follow_output(env):
    """a line printed 1.5 s after another is stamped at least 0.4 s later (the margin
    absorbs a reader starved on a loaded host; a harness stamping at exit would fail)"""
    r = env.run("slow")
    expect(r.first_time(env.h.SHUTDOWN_OK) - r.first_time(env.h.BANNER) >= 0.4,
           f"stamps {r.com1}")


@test
def marker_order(env):
    """expected markers must appear in order: shutdown before banner is a failure"""
    r = env.run("clean")
    problems = env.h.check(r, [env.h.SHUTDOWN_OK, env.h.BANNER], [], 33)
    expect(len(problems) == 1 and "missing marker '[boot] capOS'" in problems[0], str(problems))


@test
def marker_regex(env):
    """a regex marker pins a value: features must name smep, and they do not"""
    r = env.run("clean")
    problems = env.h.check(r, [re.compile(r"^\[cpu\] features:.*\bsmep\b")], [], 33)
    expect(len(problems) == 1 and "missing marker /" in problems[0], str(problems))


@test
def forbidden_marker(env):
    """a panic line fails a clean-boot check even with the expected status forced"""
    r = env.run("panic")
    problems = env.h.check(r, [env.h.BANNER], env.h.CLEAN_FORBIDDEN, 35)
    expect(any("forbidden marker '[panic]'" in p for p in problems), str(problems))


@test
def subsystem_error_forbidden(env):
    """any '[subsystem] error:' line is forbidden on a clean boot"""
    forbid = env.h.CLEAN_FORBIDDEN
    hit = [m for m in forbid if env.h.marker_matches(m, "[mm] error: out of frames")]
    expect(hit, "[mm] error: not forbidden")
    expect(not any(env.h.marker_matches(m, "error: no suitable video mode found.")
                   for m in forbid), "GRUB's harmless UEFI message is forbidden")


@test
def status_mismatch(env):
    """status 35 where 33 is expected (and the reverse) is reported"""
    r = env.run("panic")
    p = env.h.check(r, [], [], 33)
    expect(p and "exit status 35" in p[0], str(p))
    r = env.run("clean")
    p = env.h.check(r, [], [], 35)
    expect(p and "exit status 33" in p[0], str(p))


@test
def hang_detected(env):
    """a guest that never exits is killed at the timeout and reported as a hang"""
    start = time.monotonic()
    r = env.run("hang", env.boot(timeout=1.0))
    took = time.monotonic() - start
    expect(r.timed_out and r.status is None, f"timed_out {r.timed_out} status {r.status}")
    expect(took < 10, f"took {took:.1f}s")
    p = env.h.check(r, [env.h.BANNER], [], 33)
    expect(p and p[0].startswith("hang:"), str(p))
    expect(r.tail() == ["[boot] capOS test"], f"tail {r.tail()}")


@test
def accel_per_count(env):
    """-smp 1: plain -accel tcg (as before the axis); -smp 2, 4 and "2,maxcpus=4":
    tcg,thread=multi (MTTCG); -icount at -smp 4: plain tcg and -icount kept (QEMU
    refuses MTTCG with icount; the vCPUs run round-robin)"""
    cases = [(1, [], "tcg"), (2, [], "tcg,thread=multi"), (4, [], "tcg,thread=multi"),
             ("2,maxcpus=4", [], "tcg,thread=multi"),
             (4, ["-icount", "shift=0,sleep=off"], "tcg"),
             (1, ["-icount", "shift=0,sleep=off"], "tcg")]
    for smp, extra, want in cases:
        env.run("clean", env.boot(smp=smp, extra=list(extra)))
        a = env.argv()
        expect(pair(a, "-accel") == [want], f"-smp {smp} {extra}: -accel {pair(a, '-accel')}")
        expect(pair(a, "-smp") == [str(smp)], f"-smp {pair(a, '-smp')}")
        expect(pair(a, "-icount") == extra[1:], f"-icount {pair(a, '-icount')}")


@test
def timeouts_scale_with_count(env):
    """timeouts stretch 1x/1.5x/2.5x at -smp 1/2/4 (also for "4,maxcpus=6"); a hang at
    -smp 2 with timeout 0.4 is detected after 0.6 s, not 0.4; a -smp that names no CPU
    is refused"""
    h = env.h
    got = [env.boot(mode=m, smp=n).effective_timeout() for m in ("direct", "uefi")
           for n in (1, 2, 4, "4,maxcpus=6")]
    expect(got == [30.0, 45.0, 75.0, 75.0, 90.0, 135.0, 225.0, 225.0], str(got))
    expect(env.boot(smp=4, timeout=10).effective_timeout() == 25.0, "explicit timeout")
    for bad in (0, "0", "x", "", "-2"):
        try:
            h.smp_cpus(bad)
            raise AssertionError(f"smp_cpus({bad!r}) accepted")
        except ValueError:
            pass
    start = time.monotonic()
    r = env.run("hang", env.boot(smp=2, timeout=0.4))
    took = time.monotonic() - start
    expect(r.timed_out and 0.6 <= r.elapsed < 5, f"elapsed {r.elapsed:.2f}")
    expect(took < 15, f"took {took:.1f}s")


@test
def smp_counts_parsed(env):
    """CAPOS_TEST_SMP: unset or blank means 1 2 4; spaces or commas, order kept; an
    unknown count (0, 3, 8, -1, x, 2.0), a repeat or junk is refused naming it"""
    sm = env.suite
    expect(sm.smp_counts("") == [1, 2, 4] and sm.smp_counts("  ") == [1, 2, 4], "default")
    old = os.environ.pop(sm.SMP_ENV, None)
    try:
        expect(sm.smp_counts() == [1, 2, 4], "unset")
        os.environ[sm.SMP_ENV] = "4 1"
        expect(sm.smp_counts() == [4, 1], "from the environment")
    finally:
        os.environ.pop(sm.SMP_ENV, None)
        if old is not None:
            os.environ[sm.SMP_ENV] = old
    expect(sm.smp_counts("1 2") == [1, 2], "1 2")
    expect(sm.smp_counts("4,2") == [4, 2], "4,2")
    expect(sm.smp_counts(" 2 ,4 ") == [2, 4], "spaces and commas")
    for bad, word in (("3", "'3'"), ("1 8", "'8'"), ("0", "'0'"), ("-1", "'-1'"),
                      ("x", "'x'"), ("2.0", "'2.0'"), ("2 2", "given twice")):
        try:
            sm.smp_counts(bad)
            raise AssertionError(f"{bad!r} accepted")
        except ValueError as e:
            expect(word in str(e) and sm.SMP_ENV in str(e), f"{bad!r}: {e}")


def axis_tests(env):
    """An axis test whose MADT-like marker and judge depend on the count, a script test,
    a tool test and a single-count test (at -smp 1, with its reason)."""
    sm = env.suite
    seen = []
    return sm, seen, [
        sm.Test("axis", "d", env.boot(extra=sm.PerSmp(lambda n: ["-name", f"n{n}"])),
                [env.h.BANNER, sm.PerSmp(lambda n: f"smp {n} accel"), env.h.SHUTDOWN_OK],
                judge=sm.PerSmp(lambda n: lambda r: seen.append(("judge", n)) or [])),
        sm.Test("slots", "d", env.boot(smp=sm.PerSmp(lambda n: f"{n},maxcpus={n + 2}")),
                [sm.PerSmp(lambda n: [env.h.BANNER, f"smp {n},maxcpus={n + 2} "])]),
        sm.ToolTest("tool", "d", lambda n: (seen.append(("tool", n)) or [], "")),
        sm.Test("one", "d", env.boot(smp=1), [env.h.BANNER], single="the reason"),
        sm.Test("eight", "d", env.boot(smp=8), ["smp 8 accel tcg,thread=multi"],
                single="about 8 CPUs"),
    ]


@test
def axis_expands(env):
    """every test becomes one run per selected count, grouped by test, ids <id>@smp<n>,
    Boot.smp set, PerSmp markers/judges/extra/-smp strings resolved (a PerSmp list spliced
    in); a single-count test runs once at its own count (also 8, outside the axis),
    whatever the selection"""
    sm, seen, tests = axis_tests(env)
    runs = sm.expand(tests, [1, 2, 4])
    ids = [t.id for t in runs]
    expect(ids == ["axis@smp1", "axis@smp2", "axis@smp4", "slots@smp1", "slots@smp2",
                   "slots@smp4", "tool@smp1", "tool@smp2", "tool@smp4", "one@smp1",
                   "eight@smp8"], str(ids))
    expect([t.boot.smp for t in runs[:3]] == [1, 2, 4], "Boot.smp")
    expect(runs[2].expect[1] == "smp 4 accel" and runs[2].boot.extra == ["-name", "n4"],
           f"{runs[2].expect} {runs[2].boot.extra}")
    expect(runs[5].boot.smp == "4,maxcpus=6" and runs[5].expect == [env.h.BANNER,
                                                                    "smp 4,maxcpus=6 "],
           f"{runs[5].boot.smp} {runs[5].expect}")
    expect([t.smp for t in runs[6:9]] == [1, 2, 4], "ToolTest smp")
    expect(tests[0].id == "axis" and tests[0].boot.smp == 1, "the original is unchanged")
    runs = sm.expand(tests, [2])
    ids = [t.id for t in runs]
    expect(ids == ["axis@smp2", "slots@smp2", "tool@smp2", "one@smp1", "eight@smp8"]
           and runs[3].boot.smp == 1 and runs[4].boot.smp == 8, str(ids))


@test
def axis_run_suite(env):
    """run_suite at CAPOS_TEST_SMP="2 4": ok lines name the count, the fake QEMU saw
    -smp 2 / 4 with MTTCG, judges and tool tests got their count, the single-count
    tests ran at 1 and 8 all the same; CAPOS_TEST_SMP=3, or a test class without
    at_smp: one `not ok smp-axis` and status 1, nothing run"""
    import contextlib
    import io
    sm, seen, tests = axis_tests(env)
    os.environ["FAKE_QEMU_MODE"] = "echo-smp"
    buf = io.StringIO()
    old = os.environ.get(sm.SMP_ENV)
    try:
        os.environ[sm.SMP_ENV] = "2 4"
        with contextlib.redirect_stdout(buf):
            rc = sm.run_suite(tests)
        os.environ[sm.SMP_ENV] = "3"
        bad = io.StringIO()
        with contextlib.redirect_stdout(bad):
            rc_bad = sm.run_suite(tests)
    finally:
        os.environ.pop(sm.SMP_ENV, None)
        if old is not None:
            os.environ[sm.SMP_ENV] = old
    out = buf.getvalue()
    oks = re.findall(r"^ok (\S+) - d ", out, re.M)
    expect(rc == 0 and oks == ["axis@smp2", "axis@smp4", "slots@smp2", "slots@smp4",
                               "tool@smp2", "tool@smp4", "one@smp1", "eight@smp8"], out)
    expect(sorted(seen) == [("judge", 2), ("judge", 4), ("tool", 2), ("tool", 4)], str(seen))
    expect(rc_bad == 1 and bad.getvalue().startswith("not ok smp-axis - ")
           and "'3'" in bad.getvalue(), bad.getvalue())

    class Odd:
        """A test class of its own: run() but no at_smp."""
        id = "odd"

        def run(self):
            raise AssertionError("an Odd test was run")
    odd = io.StringIO()
    with contextlib.redirect_stdout(odd):
        rc_odd = sm.run_suite([Odd()])
    expect(rc_odd == 1 and odd.getvalue().startswith("not ok smp-axis - 'odd': Odd has no "
                                                     "at_smp"), odd.getvalue())


@test
def run_py_refuses_unknown_count(env):
    """tests/run.py with CAPOS_TEST_SMP=5: runs nothing, one failed case naming the count,
    status 1; with "1" it names the counts it runs"""
    import subprocess
    run_py = os.path.join(os.path.dirname(HERE), "run.py")
    envv = dict(os.environ, CAPOS_TEST_SMP="5")
    p = subprocess.run([sys.executable, run_py, "/bin/false"], env=envv, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    expect(p.returncode == 1 and "not ok run:smp - CAPOS_TEST_SMP: unknown CPU count '5'"
           in p.stdout and p.stdout.rstrip().endswith("0 passed, 1 failed")
           and "/bin/false" not in p.stdout, p.stdout)
    envv["CAPOS_TEST_SMP"] = "1"
    p = subprocess.run([sys.executable, run_py, "/bin/true"], env=envv, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    expect("=== QEMU suites at -smp 1 " in p.stdout, p.stdout)


@test
def silent_guest_fails(env):
    """a guest that exits 33 without printing anything fails the clean-boot check"""
    r = env.run("silent")
    p = env.h.check(r, [env.h.BANNER, env.h.SHUTDOWN_OK], env.h.CLEAN_FORBIDDEN, 33)
    expect(p and "missing marker '[boot] capOS'" in p[0], str(p))


@test
def unterminated_last_line(env):
    """output cut without a newline still reaches the checks"""
    r = env.run("nonewline")
    expect([line for _, line in r.com1] == ["[boot] capOS test", "[panic] cut"], str(r.com1))


NMI_WAIT = "[selftest] nmi: waiting"


@test
def qmp_socket_every_boot(env):
    """with or without monitor actions: one -qmp unix socket (server, no wait) in a
    private directory removed after the run (the hang dump needs it on every boot),
    -monitor none kept"""
    for boot in (env.boot(), env.boot(monitor=[(NMI_WAIT, {"execute": "inject-nmi"})])):
        env.run("qmp" if boot.monitor else "clean", boot)
        a = env.argv()
        qmp = pair(a, "-qmp")
        expect(len(qmp) == 1 and re.fullmatch(r"unix:/\S+/qmp\.sock,server=on,wait=off",
                                              qmp[0]), f"-qmp {qmp}")
        expect(pair(a, "-monitor") == ["none"], "-monitor none dropped")
        sock = qmp[0][len("unix:"):].split(",")[0]
        expect(not os.path.exists(os.path.dirname(sock)), "QMP socket directory left behind")


@test
def hang_dump_written(env):
    """a guest killed at its timeout leaves <name>.hang.log: each CPU's registers (no
    vector registers), its RIP and the words at its RSP (the dummy kernel has no
    symbols: "(not kernel text)"); symbolizing against a symbol table names the
    function and offset, nothing outside the text; a hung guest without a QMP answer
    is still judged a hang"""
    logs = os.path.join(env.tmp.name, "logs")
    os.environ["FAKE_QEMU_MODE"] = "hang-qmp"
    r = env.h.run(env.boot(timeout=1.0), "dump", log_dir=logs)
    expect(r.timed_out, "not judged a hang")
    with open(os.path.join(logs, "dump.hang.log")) as f:
        text = f.read()
    expect(text.startswith("=== cpu 0: RIP 0xffffffff80100004 (not kernel text)"), text[:200])
    expect("RSP=ffffffff80200000" in text and "YMM00" not in text, text)
    expect("--- cpu 0: kernel text on the stack from RSP 0xffffffff80200000" in text, text)
    syms = [(0xffffffff80100000, "hang_here"), (0xffffffff80100008, "called_from"),
            (0xffffffff80100020, "__text_end")]
    expect(env.h._symbolize(syms, 0xffffffff80100004) == "hang_here+0x4", "symbolize")
    expect(env.h._symbolize(syms, 0xffffffff80100010) == "called_from+0x8", "symbolize")
    expect(env.h._symbolize(syms, 0xffffffff80100020) is None, "past the text")
    expect(env.h._symbolize(syms, 0xffffffff800fffff) is None, "below the text")
    r = env.run("hang", env.boot(timeout=1.0), name="nodump")
    expect(r.timed_out, "not judged a hang without QMP")


@test
def qmp_action_fires(env):
    """the QMP command goes out when its marker appears (events skipped, reply logged)
    and the guest's reaction is judged like any output"""
    r = env.run("qmp", env.boot(monitor=[(NMI_WAIT, {"execute": "inject-nmi"})]))
    problems = env.h.check(r, [NMI_WAIT, "[trap] nmi on ist stack", env.h.SHUTDOWN_OK],
                           ["no-qmp-client"], 33)
    expect(problems == [], f"problems {problems}")
    expect(len(r.monitor) == 1 and r.monitor[0][1] == '{"execute": "inject-nmi"} -> {}',
           f"monitor log {r.monitor}")


@test
def qmp_refusal_fails(env):
    """a command QEMU refuses is a failure naming QEMU's reason"""
    r = env.run("qmp", env.boot(monitor=[(NMI_WAIT, {"execute": "bogus"})]))
    p = env.h.check(r, [NMI_WAIT], [], 33)
    expect(p == ['monitor: {"execute": "bogus"} failed: The command bogus has not been found'],
           str(p))


@test
def qmp_action_never_fired(env):
    """an action whose marker never shows up is a failure, not silently skipped"""
    r = env.run("clean", env.boot(monitor=[("never printed", {"execute": "inject-nmi"})]))
    p = env.h.check(r, [env.h.BANNER], [], 33)
    expect(len(p) == 1 and "never sent ('never printed' not seen)" in p[0], str(p))


def terminal(env, name, boot=None):
    os.environ["FAKE_QEMU_MODE"] = "terminal"
    return env.h.Terminal(boot or env.boot(timeout=20), name,
                          log_dir=os.path.join(env.tmp.name, "logs"))


@test
def terminal_script(env):
    """Terminal: COM2 is a waiting unix-socket chardev; expect/expect_exact/send
    drive it, wait() returns the guest's status with both logs (COM2 echo included)"""
    with terminal(env, "term") as t:
        t.expect_exact("chardev ok\n")
        got = t.expect("name> ")
        t.send("ada\r")
        m = t.expect(re.compile(r"hello (\w+)\n"))
        r = t.wait()
    expect(got == b"name> " and m.group(1) == b"ada", f"matches {got!r} {m}")
    expect(r.status == 33 and not r.timed_out, f"status {r.status} {r.timed_out}")
    expect(r.com2 == "chardev ok\nname> ada\r\r\nhello ada\n", repr(r.com2))
    with open(r.com2_path, "rb") as f:
        expect(f.read().decode() == r.com2, "COM2 log differs from Result.com2")
    expect(env.h.check(r, [env.h.BANNER, env.h.SHUTDOWN_OK], [], 33) == [], "COM1 judged")


@test
def terminal_expect_timeout(env):
    """an expect that never matches raises TerminalError after its timeout with the
    unconsumed output; leaving the block stops the guest (a timeout, no status)"""
    start = time.monotonic()
    with terminal(env, "term-timeout") as t:
        try:
            t.expect("password: ", timeout=0.5)
            raise AssertionError("no TerminalError")
        except env.h.TerminalError as e:
            expect("'password: '" in str(e) and "timeout" in str(e), str(e))
            expect(e.tail.endswith(b"name> "), repr(e.tail))
    r = t.result
    expect(r.timed_out and r.status is None, f"status {r.status} timed_out {r.timed_out}")
    expect(time.monotonic() - start < 15, "the stopped guest was waited for")


@test
def terminal_exact_mismatch(env):
    """expect_exact names the first differing byte and does not wait for the rest"""
    with terminal(env, "term-exact") as t:
        try:
            t.expect_exact("chardev ok\nname? ", timeout=5)
            raise AssertionError("no TerminalError")
        except env.h.TerminalError as e:
            expect("differs at byte 15" in str(e), str(e))


@test
def terminal_guest_exit(env):
    """an expect after the guest closed COM2 fails at once, not after its timeout"""
    with terminal(env, "term-exit") as t:
        t.expect("name> ")
        t.send(b"x\r")
        t.expect("hello x\n")
        start = time.monotonic()
        try:
            t.expect("never", timeout=10)
            raise AssertionError("no TerminalError")
        except env.h.TerminalError as e:
            expect("COM2 closed" in str(e), str(e))
        expect(time.monotonic() - start < 5, "waited for the timeout")
        r = t.wait()
    expect(r.status == 33, f"status {r.status}")


@test
def missing_input(env):
    """a missing kernel is a harness error naming the file, not a guest failure"""
    b = env.boot()
    b.kernel = os.path.join(env.tmp.name, "nope.elf")
    try:
        env.run("clean", b)
    except FileNotFoundError as e:
        expect("nope.elf" in str(e), str(e))
        return
    raise AssertionError("no FileNotFoundError")


def main():
    env = Env()
    failed = 0
    for fn in TESTS:
        try:
            fn(env)
            print(f"ok harness:{fn.__name__} - {' '.join(fn.__doc__.split())}", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure becomes a `not ok` line
            failed += 1
            print(f"not ok harness:{fn.__name__} - {type(e).__name__}: {e}", flush=True)
            for line in traceback.format_exc().splitlines()[-4:]:
                print(f"#   {line}")
    env.tmp.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
