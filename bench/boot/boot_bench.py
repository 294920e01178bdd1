#!/usr/bin/env python3
"""Boot to the shell prompt: capOS against a Linux guest in the same QEMU (issue 7).

What it owns: how "the guest reached its shell prompt" is seen and measured, the same
way on both sides (docs/benchmarks.md, "Boot to the shell prompt"). Python 3 stdlib only.

Sides (both boot directly, -smp 1, -cpu max, the same -m, flags from tests/qemu/harness.py):
  linux  Debian's kernel (build/bench/linux/vmlinux, PVH entry) with a minimal initramfs
         (bench/linux/boot_init.sh: /init prints `boot-tsc N` and execs busybox `sh -i`
         on /dev/ttyS1). Kernel log on COM1 (console=ttyS0 quiet), shell on COM2.
  capos  build/capos.elf + build/manifest.bin (the default system). Kernel log on COM1,
         user terminal on COM2. CAPOS_PROMPT says what counts as its prompt.

Measurement: COM2 is QEMU's stdout, read by a thread; when the side's prompt pattern
first matches the COM2 text, the runner stops the guest through QMP (`stop`) and reads
`query-replay`'s `icount`: the number of guest instructions executed so far. Unlike the
guest TSC (which under -icount sleep=off also advances by the virtual time skipped while
the CPU idles), this excludes idle time. The guest keeps running (idle, at the prompt)
between printing the prompt and the `stop`; that tail is measured too (see Drift).
Modes:
  icount  -icount shift=0,sleep=off with bench/run.py's ICOUNT_ARGS: instructions to the
          prompt (deterministic up to the drift), plus the in-guest `boot-tsc` line.
  wall    plain TCG: host seconds from QEMU's start to the prompt on COM2 (noisy).
  mem     the smallest -m (MiB) at which the side reaches its prompt under icount,
          found by bisection (success assumed monotonic in -m; each probe is one boot).
Drift: after the first stop, the runner lets the guest run DRIFT_WINDOW more seconds at
the prompt and counts what it executes; rate x (time from reading the prompt to the stop
reply) bounds the instructions the first figure holds beyond the prompt.

Usage: boot_bench.py [--only icount,wall,mem] [--side linux|capos] [--runs N] [--mem M]
Exit status: 0 when every requested figure was measured, 1 otherwise, 2 on bad usage.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import harness  # noqa: E402  (QEMU flags, the QMP client)
from run import ICOUNT_ARGS, format_table  # noqa: E402  (same icount flags, tables)

BUILD = harness.BUILD
LOG_DIR = os.path.join(BUILD, "bench", "logs")

LINUX_PROMPT = re.compile(r"linux-sh\$ ")
# The default system (system/system.capnp) boots to capos-shell, which starts anonymous:
# its first prompt on COM2 (a pattern searched in the COM2 text, like LINUX_PROMPT).
CAPOS_PROMPT = re.compile(r"^anonymous> ", re.M)
CAPOS_PROMPT_IS_STANDIN = False
TSC_LINE = re.compile(r"^boot-tsc (\d+)\r?$", re.M)

DEFAULT_MEM_MIB = 128
DRIFT_WINDOW = 0.25     # seconds the guest runs at the prompt to measure the drift rate
MEM_CEILING_MIB = 256   # bisection upper end (must reach the prompt)
GOAL_RATIO = 1 / 3      # issue 7: capOS <= 1/3 of Linux's instructions
GOAL_MEM_MIB = 32       # issue 7: capOS reaches its prompt with -m 32


class Side:
    """How to boot one guest to its prompt."""

    def __init__(self, name, kernel, modules, cmdline, prompt, label, extra=()):
        self.name, self.kernel, self.modules = name, kernel, modules
        self.cmdline, self.prompt, self.label, self.extra = cmdline, prompt, label, list(extra)

    def missing(self):
        return [p for p in [self.kernel] + self.modules if not os.path.isfile(p)]

    def boot(self, mode, mem_mib, timeout, cmdline_extra=""):
        extra = list(ICOUNT_ARGS) if mode == "icount" else []
        return harness.Boot(mode="direct", kernel=self.kernel, modules=list(self.modules),
                            cmdline=(self.cmdline + " " + cmdline_extra).strip(), smp=1,
                            mem=f"{mem_mib}M", timeout=timeout, extra=extra + self.extra)


def linux_side():
    return Side("linux", os.path.join(BUILD, "bench", "linux", "vmlinux"),
                [os.path.join(BUILD, "bench", "boot", "linux-initramfs.cpio")],
                "console=ttyS0 quiet panic=-1", LINUX_PROMPT, "busybox sh prompt")


def capos_side(prompt=None, module=None):
    """prompt: a pattern given on the command line (labelled as such), else CAPOS_PROMPT;
    module: another boot module than the default system (named in the label)."""
    if prompt is not None:
        label = f"--capos-prompt /{prompt.pattern}/"
    elif CAPOS_PROMPT_IS_STANDIN:
        label = "STAND-IN: init's first COM2 line"
    else:
        label = "capos-shell prompt"
    if module is not None:
        label += f", module {os.path.basename(module)}"
    return Side("capos", os.path.join(BUILD, "capos.elf"),
                [module or os.path.join(BUILD, "manifest.bin")], "", prompt or CAPOS_PROMPT, label)


# ---------------------------------------------------------------------------------------
# Pure logic (host-tested in tests/bench/boot_bench_test.py)

class PromptWatch:
    """Accumulates COM2 output and reports the first time the prompt pattern appears
    in it. Bytes are decoded as UTF-8 with replacement, so binary noise cannot raise.
    Each feed() searches only the new text plus PROMPT_SPAN characters before it (a
    prompt split across chunks is still found). feed() returns True exactly once."""

    PROMPT_SPAN = 256

    def __init__(self, pattern):
        self.pattern = pattern
        self.text = ""
        self.matched = False

    def feed(self, chunk):
        start = max(0, len(self.text) - self.PROMPT_SPAN)
        self.text += chunk.decode("utf-8", "replace")
        if self.matched or not self.pattern.search(self.text, start):
            return False
        self.matched = True
        return True


def guest_tsc(com2_text):
    """The last `boot-tsc N` value printed on COM2, or None."""
    values = TSC_LINE.findall(com2_text)
    return int(values[-1]) if values else None


def drift_bound(icount_first, icount_second, run_seconds, latency_seconds):
    """Instructions the guest executes at the prompt per host second (measured between
    two stops), times the prompt-to-stop latency: a bound on how far the first stop's
    icount lies beyond the prompt. Returns (rate per second, bound)."""
    if run_seconds <= 0 or icount_second < icount_first:
        raise ValueError("drift window must run forward")
    rate = (icount_second - icount_first) / run_seconds
    return rate, int(rate * max(latency_seconds, 0.0))


def bisect_min(ok, lo_fail, hi_ok):
    """Smallest n in (lo_fail, hi_ok] with ok(n), given ok(hi_ok) and not ok(lo_fail),
    assuming ok is monotonic. Returns (n, [(probe, result)...])."""
    if lo_fail >= hi_ok:
        raise ValueError("need lo_fail < hi_ok")
    probes = []
    while hi_ok - lo_fail > 1:
        mid = (lo_fail + hi_ok) // 2
        good = ok(mid)
        probes.append((mid, good))
        if good:
            hi_ok = mid
        else:
            lo_fail = mid
    return hi_ok, probes


# ---------------------------------------------------------------------------------------
# One boot

class Outcome:
    """What one boot to the prompt produced."""

    def __init__(self):
        self.prompt_s = None      # host seconds from spawn to reading the prompt
        self.stopped_s = None     # host seconds from spawn to the stop reply
        self.icount = None        # query-replay icount at the first stop
        self.drift_rate = None    # instructions per host second at the prompt
        self.drift = None         # bound on instructions beyond the prompt
        self.tsc = None           # in-guest boot-tsc (Linux side)
        self.status = None        # QEMU exit status
        self.problems = []
        self.notes = []           # caveats that do not invalidate the figure
        self.com1_path = self.com2_text = ""


def _connect_qmp(path, proc, deadline):
    """QEMU creates its QMP socket at start-up (server=on,wait=off): retry until then."""
    while True:
        try:
            return harness.Qmp(path)
        except (OSError, harness.QmpError):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _measure_at_prompt(qmp, out, start, mode):
    """Runs in the COM2 reader thread right after the prompt was read: stop, count,
    then DRIFT_WINDOW seconds more at the prompt for the drift bound."""
    if mode != "icount":
        return
    qmp.execute({"execute": "stop"})
    out.icount = qmp.execute({"execute": "query-replay"})["icount"]
    out.stopped_s = time.monotonic() - start
    try:
        qmp.execute({"execute": "cont"})
        t0 = time.monotonic()
        time.sleep(DRIFT_WINDOW)
        qmp.execute({"execute": "stop"})
        ran = time.monotonic() - t0
        later = qmp.execute({"execute": "query-replay"})["icount"]
    except (OSError, harness.QmpError) as e:   # e.g. the guest shut down meanwhile
        out.notes.append(f"drift not measured: {e}")
        return
    out.drift_rate, out.drift = drift_bound(out.icount, later, ran,
                                            out.stopped_s - out.prompt_s)


def _read_com2(proc, watch, out, qmp, start, mode, done):
    try:
        while True:
            chunk = proc.stdout.read1(4096)
            if not chunk:
                return
            if watch.feed(chunk):
                out.prompt_s = time.monotonic() - start
                try:
                    _measure_at_prompt(qmp, out, start, mode)
                except (OSError, harness.QmpError, KeyError) as e:
                    out.problems.append(f"QMP at the prompt: {e}")
                done.set()
                return
    finally:
        done.set()


def boot_to_prompt(side, mode, mem_mib, timeout, name, cmdline_extra=""):
    """Boots `side` once; returns an Outcome (prompt_s None: the prompt never came)."""
    boot = side.boot(mode, mem_mib, timeout, cmdline_extra)
    os.makedirs(LOG_DIR, exist_ok=True)
    out = Outcome()
    out.com1_path = os.path.join(LOG_DIR, f"{name}.com1.log")
    qdir = tempfile.mkdtemp(prefix="capos-bootbench-")
    sock = os.path.join(qdir, "qmp.sock")
    argv = harness.base_argv(boot) + [
        "-qmp", f"unix:{sock},server=on,wait=off",
        "-chardev", f"file,id=com1,path={out.com1_path}", "-serial", "chardev:com1",
        "-chardev", "stdio,id=com2,signal=off", "-serial", "chardev:com2"]
    watch = PromptWatch(side.prompt)
    done = threading.Event()
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    qmp = reader = None
    try:
        qmp = _connect_qmp(sock, proc, start + 10)
        reader = threading.Thread(target=_read_com2,
                                  args=(proc, watch, out, qmp, start, mode, done))
        reader.start()
        if not done.wait(timeout):
            out.problems.append(f"no prompt within {timeout:.0f} s")
        elif out.prompt_s is not None and proc.poll() is None:
            try:
                qmp.execute({"execute": "quit"})
            except (OSError, harness.QmpError):
                pass    # the guest may have ended QEMU itself meanwhile
        if out.prompt_s is not None or done.is_set():
            proc.wait(timeout=10)   # at the prompt: quitting; no prompt: COM2 closed
    except (OSError, harness.QmpError, subprocess.TimeoutExpired) as e:
        out.problems.append(f"QEMU/QMP: {e}")
    finally:
        if proc.poll() is None:
            harness._stop(proc)  # noqa: SLF001  (the harness's SIGTERM-then-SIGKILL)
        if reader:
            reader.join()
        if qmp:
            qmp.close()
        shutil.rmtree(qdir, ignore_errors=True)
    out.status = proc.returncode
    out.com2_text = watch.text
    out.tsc = guest_tsc(watch.text)
    with open(os.path.join(LOG_DIR, f"{name}.com2.log"), "w") as f:
        f.write(watch.text)
    if out.prompt_s is None and not out.problems:
        out.problems.append(f"QEMU exited (status {out.status}) before the prompt")
    if out.prompt_s is None:
        err = proc.stderr.read().decode("utf-8", "replace").strip()
        if err:
            out.problems.append("qemu stderr: " + err.splitlines()[-1])
    return out


# ---------------------------------------------------------------------------------------
# Modes

def run_icount(sides, args):
    rows, failed = {}, False
    for side in sides:
        outs = [boot_to_prompt(side, "icount", args.mem, args.timeout,
                               f"boot-{side.name}-icount-run{i + 1}") for i in range(args.runs)]
        for o in outs:
            for p in o.problems:
                print(f"  PROBLEM {side.name}: {p}")
                failed = True
            for n in o.notes:
                print(f"  note {side.name}: {n}")
            if o.drift_rate is not None:
                print(f"  {side.name}: at the prompt the guest runs {o.drift_rate:,.0f} "
                      f"insns per host s; stop came {o.stopped_s - o.prompt_s:.4f} s "
                      f"after the prompt was read")
        rows[side.name] = outs
        if args.check_idle and side.name == "linux":
            failed |= check_idle(side, args, outs[0])
    print(f"\nBoot to the shell prompt, guest instructions (QMP query-replay at the prompt; "
          f"-icount shift=0,sleep=off, -smp 1, -cpu max, -m {args.mem}M)")
    table = []
    for side in sides:
        for i, o in enumerate(rows[side.name]):
            table.append([f"{side.name} run {i + 1}", side.label, _num(o.icount),
                          _num(o.drift), _num(o.tsc), f"{o.prompt_s or 0:.1f}"])
    print(format_table(["side", "prompt", "insns to prompt", "drift bound",
                         "in-guest TSC", "host s"], table))
    for side in sides:
        vals = [o.icount for o in rows[side.name] if o.icount is not None]
        if len(vals) > 1:
            print(f"{side.name}: smallest {min(vals):,}, spread {max(vals) - min(vals):,} "
                  f"({(max(vals) - min(vals)) / min(vals):.2e} relative) over {len(vals)} runs")
    ratio = icount_ratio(rows)
    if ratio is not None:
        print(f"capOS/Linux instructions: {ratio:.4f} (goal <= {GOAL_RATIO:.4f}: "
              f"{'met' if ratio <= GOAL_RATIO else 'NOT met'})"
              + ("  [capOS figure is a STAND-IN, not its shell prompt]"
                 if "STAND-IN" in sides[-1].label else ""))
    return failed


def icount_ratio(rows):
    """capOS/Linux of each side's smallest icount figure (every figure overshoots the
    prompt by its stop latency, so the smallest is the closest), or None when a side
    has none."""
    best = {}
    for name in ("linux", "capos"):
        vals = [o.icount for o in rows.get(name, []) if o.icount is not None]
        if not vals:
            return None
        best[name] = min(vals)
    return best["capos"] / best["linux"]


def check_idle(side, args, plain):
    """Cross-check of the two counters on Linux: the same boot with `sleep 1` before the
    prompt. The TSC must grow by about 1e9 more than the instruction count does."""
    o = boot_to_prompt(side, "icount", args.mem, args.timeout, "boot-linux-icount-idle",
                       "bootcheck=idle")
    if o.icount is None or o.tsc is None or plain.icount is None or plain.tsc is None:
        print("  PROBLEM linux: idle cross-check produced no figures")
        return True
    d_tsc, d_icount = o.tsc - plain.tsc, o.icount - plain.icount
    print(f"\nIdle cross-check (Linux, `sleep 1` before the prompt): in-guest TSC +{d_tsc:,}, "
          f"QMP icount +{d_icount:,}; TSC minus icount growth {d_tsc - d_icount:,} "
          f"(1 s of idle = 1,000,000,000 under shift=0)")
    return False


def run_wall(sides, args):
    failed = False
    table = []
    for side in sides:
        times = []
        for i in range(args.runs_wall):
            o = boot_to_prompt(side, "wall", args.mem, args.timeout,
                               f"boot-{side.name}-wall-run{i + 1}")
            for p in o.problems:
                print(f"  PROBLEM {side.name}: {p}")
                failed = True
            if o.prompt_s is not None:
                times.append(o.prompt_s)
        if times:
            table.append([side.name, side.label, f"{statistics.median(times):.3f}",
                          f"{min(times):.3f}-{max(times):.3f}", str(len(times))])
    print(f"\nBoot to the shell prompt, wall time (plain TCG, -smp 1, -m {args.mem}M; host "
          f"seconds from QEMU's start to the prompt on COM2)")
    print(format_table(["side", "prompt", "median s", "range s", "runs"], table))
    return failed


def run_mem(sides, args):
    table = []
    for side in sides:
        def ok(mib, side=side):
            o = boot_to_prompt(side, "icount", mib, args.timeout, f"boot-{side.name}-mem{mib}")
            print(f"  {side.name} -m {mib}M: "
                  + ("prompt" if o.prompt_s is not None else "no prompt: " + "; ".join(o.problems)),
                  flush=True)
            return o.prompt_s is not None
        if not ok(MEM_CEILING_MIB):
            print(f"  PROBLEM {side.name}: no prompt even with -m {MEM_CEILING_MIB}M")
            return True
        mib, probes = bisect_min(ok, 0, MEM_CEILING_MIB)
        table.append([side.name, side.label, f"{mib} MiB", str(len(probes) + 1)])
    print("\nSmallest -m reaching the prompt (icount, bisection; goal capOS <= "
          f"{GOAL_MEM_MIB} MiB)")
    print(format_table(["side", "prompt", "smallest -m", "boots"], table))
    return False


def _num(v):
    return "-" if v is None else f"{v:,}"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="icount,wall,mem",
                    help="comma-separated subset of icount,wall,mem (default: all)")
    ap.add_argument("--side", choices=("linux", "capos"), help="one side only")
    ap.add_argument("--runs", type=int, default=3, help="icount boots per side (the "
                    "smallest figure is the closest to the prompt)")
    ap.add_argument("--runs-wall", type=int, default=3, help="wall-time boots per side")
    ap.add_argument("--mem", type=int, default=DEFAULT_MEM_MIB, help="-m in MiB (both sides)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per boot")
    ap.add_argument("--capos-prompt", help="regular expression for capOS's prompt "
                    "(default: CAPOS_PROMPT in this file)")
    ap.add_argument("--capos-module", help="capOS boot module (default: build/manifest.bin, "
                    "the default system)")
    ap.add_argument("--check-idle", action="store_true",
                    help="also boot Linux with `sleep 1` before the prompt (TSC vs icount)")
    args = ap.parse_args(argv[1:])
    modes = args.only.split(",")
    if any(m not in ("icount", "wall", "mem") for m in modes) or args.runs < 1:
        ap.error("--only takes icount,wall,mem; --runs >= 1")
    prompt = re.compile(args.capos_prompt) if args.capos_prompt else None
    sides = [s for s in (linux_side(), capos_side(prompt, args.capos_module))
             if args.side in (None, s.name)]
    for s in sides:
        if s.missing():
            print(f"{s.name}: not built ({', '.join(s.missing())}); run `make bench-boot-guest`"
                  " and `make`", file=sys.stderr)
            return 1
    failed = False
    if "icount" in modes:
        failed |= run_icount(sides, args)
    if "wall" in modes:
        failed |= run_wall(sides, args)
    if "mem" in modes:
        failed |= run_mem(sides, args)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
