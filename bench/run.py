#!/usr/bin/env python3
"""Runs capOS and Linux benchmark workloads in the same QEMU and prints one table.

What it owns: how a benchmark guest is started, how its output is parsed and judged,
and how the two sides are compared. See docs/benchmarks.md. Python 3 stdlib only.

Sides. Each side boots one guest per run with the requested workloads and reads result
lines from the serial console:
  linux  Debian's stock kernel (build/bench/linux/vmlinux, PVH entry) with the
         initramfs of bench/linux/ (busybox /init + bench_linux). Workloads are picked
         by the kernel command-line word `benchsel=NAME[:OPS],...`.
  capos  build/capos.elf, direct boot, kernel command-line word `bench=NAME[:OPS],...`.
         The kernel (or its init) runs the workloads, prints the same lines on COM1
         (any prefix such as "[bench] " is allowed) and shuts down cleanly (status 33).
         Workloads in MODULE_WORKLOADS (e.g. `spawn`) are instead run by the init of a
         focused boot module, one boot each (no `bench=` word, the op count is the
         program's own); their line may appear on COM1 or COM2.
Both go through tests/qemu/harness.py, so they get the same QEMU flags (-accel tcg,
-cpu max, -nodefaults, ...). Modes:
  icount (default)  -icount shift=0,sleep=off -smp 1, plus a fixed guest RNG seed and
                    RTC base (ICOUNT_ARGS): deterministic; 1 TSC tick = 1 guest
                    instruction, so figures are instructions per op.
  mttcg             plain TCG, -smp 2 (multi-threaded TCG): wall-clock ns per op, noisy.

Result line grammar (one per workload; see docs/benchmarks.md):
  bench NAME ops=N tsc=T tsc_per_op=X [ns=NS ns_per_op=Y]
  bench NAME unavailable reason=TEXT
  bench NAME error reason=TEXT

Both sides also have the workload `boot` (BOOT): one more boot each, to the shell
prompt, measured by bench/boot/boot_bench.py (guest instructions from QEMU's start to
the prompt on COM2, ops=1; `make bench-boot` adds wall time and the smallest -m).

Comparisons: PAIRS maps a capOS workload to its Linux counterpart; when both sides
produced a figure, the table shows capOS/Linux.

Exit status: 0 when every requested run finished and every line parsed (an "unavailable"
workload is not a failure); 1 otherwise; 2 on bad usage.
"""
import argparse
import dataclasses
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
import harness  # noqa: E402  (the one place that knows how QEMU is started)

BUILD = harness.BUILD
LINUX_DIR = os.path.join(BUILD, "bench", "linux")
LOG_DIR = os.path.join(BUILD, "bench", "logs")

# icount alone is not enough for bit-identical Linux figures: the guest also reads host
# randomness (RDRAND/RDSEED, emulated from the host's RNG) and the host's time of day
# (RTC). Both feed ASLR, hash seeds and slab freelist order, which move path lengths by
# up to 1-2% between boots. -seed makes QEMU's guest RNG a fixed PRNG; a fixed RTC base
# on the virtual clock removes the time of day. (Turning RDRAND off instead leaves Linux's
# CRNG unready, which makes every exec ~20% more expensive: not a realistic baseline.)
ICOUNT_ARGS = ["-icount", "shift=0,sleep=off", "-seed", "1",
               "-rtc", "base=2025-01-01T00:00:00,clock=vm"]
MODES = {
    # mode: (smp, extra QEMU args, figure used in tables, unit)
    "icount": (1, ICOUNT_ARGS, "tsc_per_op", "insn/op"),
    "mttcg": (2, [], "ns_per_op", "ns/op"),
}

# Row label, capOS workload, Linux workload: the comparisons issues 4 and 5 ask for.
# The capOS names are the contract for the capOS-side runner (kernel `bench=` word).
PAIRS = [
    ("null system call", "cap-enter-null", "getpid"),
    ("NOP, batch 1, per op", "ring-nop-b1", "uring-nop-b1"),
    ("NOP, batch 16, per op", "ring-nop-b16", "uring-nop-b16"),
    ("kernel CALL vs null syscall", "cap-call", "getpid"),
    ("IPC round trip vs pipe", "ipc-rtt", "pipe"),
    ("IPC round trip vs futex (processes)", "ipc-rtt", "futex-proc"),
    ("spawn + wait", "spawn", "spawn"),
    ("boot to the shell prompt (ops=1)", "boot", "boot"),
]

# The boot-to-prompt figure (bench/boot/boot_bench.py; `make bench-boot` also gives wall
# time and the smallest -m): one boot per side, guest instructions from QEMU's start to
# the shell prompt on COM2 (QMP query-replay when the prompt is read), as a result with
# ops=1. Under icount it overshoots the prompt by what the guest runs during the QMP
# stop latency (measured: up to ~110,000 instructions; a few ms at TCG's <= ~100 M
# instructions per host second), so the determinism check allows runs of `boot` to
# differ by BOOT_TOLERANCE instructions. Under mttcg it is `unavailable` (its wall
# time is make bench-boot's, at -smp 1).
BOOT = "boot"
BOOT_TOLERANCE = 500_000

# capOS workloads measured by a focused boot module's init rather than by the kernel's
# `bench=` word: name -> boot module. `spawn` is user/spawnbench spawning user/truemin
# (system/spawnbench.capnp, bench/spawn.mk; `make bench-spawn` runs it alone).
MODULE_WORKLOADS = {
    "spawn": os.path.join(BUILD, "bench", "spawn", "spawnbench.manifest"),
}

# The calibration workload: a loop of exactly 4 instructions per iteration, reported as
# the difference of two loop lengths, so under icount tsc must equal 4 * ops exactly.
CALIB = "calib"
CALIB_INSNS = 4

# ---------------------------------------------------------------------------------------
# Parsing

LINE_RE = re.compile(r"(?:^|[\s\]])bench (?P<name>\S+) (?P<rest>.*?)\s*$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
FIELDS = {"ops": int, "tsc": int, "tsc_per_op": float, "ns": int, "ns_per_op": float}
REQUIRED = ("ops", "tsc_per_op")
PARSE_ERRORS = (
    "bad-name",        # workload name with characters outside [A-Za-z0-9_.-] or too long
    "bad-field",       # token that is not key=value, unknown key, or unparsable number
    "duplicate-field", # the same key twice on one line
    "missing-field",   # ops or tsc_per_op absent
    "bad-value",       # ops < 1, negative ticks/ns, non-finite figure
    "inconsistent",    # tsc_per_op (or ns_per_op) does not match tsc/ops (ns/ops)
    "no-reason",       # unavailable/error line without reason=
    "duplicate-line",  # two result lines for one workload in one run
)


class ParseError(Exception):
    """A malformed result line; `code` is one of PARSE_ERRORS."""

    def __init__(self, code, msg):
        assert code in PARSE_ERRORS, code
        super().__init__(f"{code}: {msg}")
        self.code = code


@dataclasses.dataclass
class Figure:
    """One workload's outcome in one run. status: ok | unavailable | error."""
    name: str
    status: str
    fields: dict = dataclasses.field(default_factory=dict)
    reason: str = ""

    def value(self, key):
        return self.fields.get(key) if self.status == "ok" else None


def _check_per_op(fields, total, per_op):
    if total in fields and per_op in fields:
        exact = fields[total] / fields["ops"]
        # The guest prints two decimals: allow rounding, nothing more.
        if abs(exact - fields[per_op]) > 0.006 + 1e-9 * abs(exact):
            raise ParseError("inconsistent",
                             f"{per_op}={fields[per_op]} but {total}/ops={exact:.4f}")


def parse_line(line):
    """Returns a Figure for a result line, None for any other line; raises ParseError
    for a line that starts like a result but is malformed."""
    m = LINE_RE.search(line)
    if not m:
        return None
    name, rest = m.group("name"), m.group("rest")
    if not NAME_RE.match(name):
        raise ParseError("bad-name", repr(name))
    if rest.startswith(("unavailable", "error")):
        status, _, tail = rest.partition(" ")
        if status not in ("unavailable", "error"):
            raise ParseError("bad-field", repr(status))
        if not tail.startswith("reason=") or len(tail) == len("reason="):
            raise ParseError("no-reason", repr(rest))
        return Figure(name, status, reason=tail[len("reason="):])
    fields = {}
    for tok in rest.split():
        key, sep, val = tok.partition("=")
        if not sep or key not in FIELDS:
            raise ParseError("bad-field", repr(tok))
        if key in fields:
            raise ParseError("duplicate-field", key)
        try:
            fields[key] = FIELDS[key](val)
        except ValueError:
            raise ParseError("bad-field", repr(tok)) from None
    for key in REQUIRED:
        if key not in fields:
            raise ParseError("missing-field", key)
    if fields["ops"] < 1:
        raise ParseError("bad-value", f"ops={fields['ops']}")
    for key, val in fields.items():
        if val < 0 or val != val or val in (float("inf"), float("-inf")):
            raise ParseError("bad-value", f"{key}={val}")
    _check_per_op(fields, "tsc", "tsc_per_op")
    _check_per_op(fields, "ns", "ns_per_op")
    return Figure(name, "ok", fields)


def parse_output(lines):
    """All result lines of one run -> {name: Figure}. Raises ParseError (also for two
    lines naming the same workload: a run reports each workload once)."""
    out = {}
    for line in lines:
        fig = parse_line(line)
        if fig is None:
            continue
        if fig.name in out:
            raise ParseError("duplicate-line", fig.name)
        out[fig.name] = fig
    return out


def check_calib(fig, mode):
    """Under icount the calibration loop must cost exactly CALIB_INSNS ticks per
    iteration (1 TSC tick = 1 guest instruction). Returns a problem string or None."""
    if mode != "icount" or fig is None or fig.status != "ok":
        return None
    tsc, ops = fig.fields.get("tsc"), fig.fields["ops"]
    if tsc != CALIB_INSNS * ops:
        return (f"calibration failed: {ops} iterations of a {CALIB_INSNS}-instruction loop "
                f"took {tsc} ticks, expected {CALIB_INSNS * ops} (1 tick = 1 instruction)")
    return None


def determinism_problems(runs, mode):
    """Under icount, the same command must give bit-identical tick counts in every run;
    anything else means an input from the host leaked into the guest (see ICOUNT_ARGS).
    Returns problem strings (empty when deterministic or not in icount mode)."""
    if mode != "icount" or len(runs) < 2:
        return []
    problems = []
    for name in sorted(runs[0].figures):
        ticks = [r.figures[name].fields.get("tsc") if name in r.figures and
                 r.figures[name].status == "ok" else None for r in runs]
        if None in ticks or len(set(ticks)) == 1:
            continue
        if name == BOOT and max(ticks) - min(ticks) <= BOOT_TOLERANCE:
            continue
        problems.append(f"{name}: not deterministic under icount: tsc {ticks}")
    return problems


# ---------------------------------------------------------------------------------------
# Sides

@dataclasses.dataclass
class Run:
    """One guest boot: parsed figures, problems found, guest info lines, host seconds."""
    figures: dict
    problems: list
    info: list
    seconds: float
    log: str


class Side:
    """A guest that runs workloads. Subclasses say how to boot it and judge its exit."""
    name = "?"
    clean_status = harness.EXIT_CLEAN
    done_marker = None

    def missing(self):
        """Input files that must be built first (empty list = ready)."""
        raise NotImplementedError

    def boot(self, selection, mode, timeout):
        raise NotImplementedError

    def run(self, workloads, ops, mode, timeout, tag):
        selection = ",".join(f"{w}:{ops[w]}" if w in ops else w for w in workloads)
        boot = self.boot(selection, mode, timeout)
        start = time.monotonic()
        res = harness.run(boot, f"{self.name}-{mode}-{tag}", log_dir=LOG_DIR)
        seconds = time.monotonic() - start
        lines = [line for _, line in res.com1]
        problems = harness.check(res, expect=[self.done_marker] if self.done_marker else [],
                                 status=self.clean_status)
        try:
            figures = parse_output(lines)
        except ParseError as e:
            figures, problems = {}, problems + [f"unparsable result line: {e}"]
        for w in workloads:
            fig = figures.get(w)
            if fig is None:
                problems.append(f"no result line for workload {w}")
            elif fig.status == "error":
                problems.append(f"workload {w} failed in the guest: {fig.reason}")
        calib = check_calib(figures.get(CALIB), mode)
        if calib:
            problems.append(calib)
        info = [line for line in lines if "bench-info " in line]
        return Run(figures, problems, info, seconds, res.com1_path)


class LinuxSide(Side):
    name = "linux"
    clean_status = 0      # `poweroff -f` in the guest: QEMU exits 0
    done_marker = re.compile(r"^bench-guest done rc=0$")

    vmlinux = os.path.join(LINUX_DIR, "vmlinux")
    initrd = os.path.join(LINUX_DIR, "initramfs.cpio")
    binary = os.path.join(LINUX_DIR, "bench_linux")

    def missing(self):
        return [p for p in (self.vmlinux, self.initrd, self.binary) if not os.path.isfile(p)]

    def workloads(self):
        """[(name, default ops)] from the guest binary itself (a static Linux program
        that also runs on the host), so this script never keeps a second list."""
        out = subprocess.run([self.binary, "list"], check=True, stdout=subprocess.PIPE,
                             text=True).stdout
        return [(line.split()[0], int(line.split()[1])) for line in out.splitlines()
                if line] + [(BOOT, None)]

    def boot(self, selection, mode, timeout):
        smp, extra, _, _ = MODES[mode]
        return harness.Boot(mode="direct", kernel=self.vmlinux, modules=[self.initrd],
                            cmdline=f"console=ttyS0 quiet panic=-1 benchsel={selection}",
                            smp=smp, mem="256M", timeout=timeout, extra=list(extra))


class CaposSide(Side):
    name = "capos"
    done_marker = harness.SHUTDOWN_OK

    kernel = os.path.join(BUILD, "capos.elf")
    module = harness.DEMO_MODULE  # the demo graph: ends by itself after the workloads

    def missing(self):
        return [p for p in (self.kernel, self.module, *MODULE_WORKLOADS.values())
                if not os.path.isfile(p)]

    def workloads(self):
        names = []
        for _, capos_name, _ in PAIRS:
            if capos_name not in names:
                names.append(capos_name)
        return [(n, None) for n in names]

    def boot(self, selection, mode, timeout):
        smp, extra, _, _ = MODES[mode]
        return harness.Boot(mode="direct", kernel=self.kernel, modules=[self.module],
                            cmdline=f"bench={selection}", smp=smp, timeout=timeout,
                            extra=list(extra))

    def run_module(self, name, mode, timeout, tag):
        """One MODULE_WORKLOADS workload: boot its module, read its line (COM1 or COM2)."""
        smp, extra, _, _ = MODES[mode]
        boot = harness.Boot(mode="direct", kernel=self.kernel, modules=[MODULE_WORKLOADS[name]],
                            smp=smp, timeout=timeout, extra=list(extra))
        start = time.monotonic()
        res = harness.run(boot, f"{self.name}-{name}-{mode}-{tag}", log_dir=LOG_DIR)
        seconds = time.monotonic() - start
        lines = [line for _, line in res.com1] + res.com2.splitlines()
        problems = harness.check(res, expect=[self.done_marker], status=self.clean_status)
        try:
            figures = {k: v for k, v in parse_output(lines).items() if k == name}
        except ParseError as e:
            figures, problems = {}, problems + [f"unparsable result line: {e}"]
        fig = figures.get(name)
        if fig is None:
            problems.append(f"no result line for workload {name}")
        elif fig.status == "error":
            problems.append(f"workload {name} failed in the guest: {fig.reason}")
        return Run(figures, problems, [], seconds, res.com1_path)

    def run(self, workloads, ops, mode, timeout, tag):
        """The kernel's `bench=` workloads in one boot, then each module workload in its
        own; one merged Run (seconds summed, the first boot's log)."""
        kern = [w for w in workloads if w not in MODULE_WORKLOADS]
        parts = [super().run(kern, ops, mode, timeout, tag)] if kern else []
        parts += [self.run_module(w, mode, timeout, tag) for w in workloads
                  if w in MODULE_WORKLOADS]
        return merge_runs(parts)


def merge_runs(parts):
    """Runs of one side from several boots -> one Run (figures merged, a workload
    reported by two boots is a problem; seconds summed; the first boot's log)."""
    merged = Run({}, [], [], 0.0, parts[0].log if parts else "")
    for r in parts:
        for name, fig in r.figures.items():
            if name in merged.figures:
                merged.problems.append(f"duplicate-line: {name} from two boots")
            merged.figures.setdefault(name, fig)
        merged.problems += r.problems
        merged.info += r.info
        merged.seconds += r.seconds
    return merged


def run_boot(side_name, mode, timeout, tag):
    """The `boot` workload of one side, in its own boot, as a Run."""
    sys.path.insert(0, os.path.join(ROOT, "bench", "boot"))
    import boot_bench  # late: boot_bench imports this module's ICOUNT_ARGS
    if mode != "icount":
        fig = Figure(BOOT, "unavailable", reason="wall-time-is-make-bench-boot's")
        return Run({BOOT: fig}, [], [], 0.0, "")
    side = boot_bench.linux_side() if side_name == "linux" else boot_bench.capos_side()
    if side.missing():
        return Run({}, [f"boot: not built: {', '.join(side.missing())}"], [], 0.0, "")
    o = boot_bench.boot_to_prompt(side, mode, boot_bench.DEFAULT_MEM_MIB, timeout,
                                  f"{side_name}-boot-{mode}-{tag}")
    problems = [f"boot: {p}" for p in o.problems]
    if o.icount is None:
        return Run({}, problems or ["boot: no figure"], [], o.prompt_s or 0.0, o.com1_path)
    fig = Figure(BOOT, "ok", {"ops": 1, "tsc": o.icount, "tsc_per_op": float(o.icount)})
    info = [f"bench-info boot: prompt = {side.label}, -m {boot_bench.DEFAULT_MEM_MIB}M"]
    return Run({BOOT: fig}, problems, info, o.prompt_s, o.com1_path)


def run_side(side, workloads, ops, mode, timeout, tag):
    """A side's workloads: the guest's own in its boot(s), then `boot` in its own."""
    rest = [w for w in workloads if w != BOOT]
    parts = [side.run(rest, ops, mode, timeout, tag)] if rest else []
    if BOOT in workloads:
        parts.append(run_boot(side.name, mode, timeout, tag))
    return merge_runs(parts)


# ---------------------------------------------------------------------------------------
# Tables

def summarize(runs, name, key):
    """Figures of one workload across runs: (list of values or None, text for a cell)."""
    vals = []
    for r in runs:
        fig = r.figures.get(name)
        if fig is None:
            return None, "missing"
        if fig.status != "ok":
            return None, fig.status + (f" ({fig.reason})" if fig.status == "unavailable" else "")
        vals.append(fig.fields.get(key))
    if any(v is None for v in vals):
        return None, f"no {key}"
    if len(set(vals)) == 1:
        return vals, f"{vals[0]:,.2f}" + (" (identical)" if len(vals) > 1 else "")
    med = statistics.median(vals)
    if len(vals) <= 3:
        return vals, " / ".join(f"{v:,.2f}" for v in vals)
    return vals, f"{med:,.2f} (median; {min(vals):,.2f}-{max(vals):,.2f})"


def format_table(headers, rows):
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def side_table(side_name, runs, workloads, mode):
    key, unit = MODES[mode][2], MODES[mode][3]
    rows = []
    for w in workloads:
        vals, text = summarize(runs, w, key)
        ops = runs[0].figures.get(w)
        rows.append([w, ops.fields.get("ops", "") if ops and ops.status == "ok" else "", text])
    return format_table([f"{side_name} workload", "ops", f"{unit} ({len(runs)} run(s))"], rows)


def ratio_table(linux_runs, capos_runs, mode):
    key, unit = MODES[mode][2], MODES[mode][3]
    rows = []
    for label, capos_name, linux_name in PAIRS:
        cv, ctext = summarize(capos_runs, capos_name, key) if capos_runs else (None, "not run")
        lv, ltext = summarize(linux_runs, linux_name, key) if linux_runs else (None, "not run")
        ratio = ""
        if cv and lv:
            ratio = f"{statistics.median(cv) / statistics.median(lv):.3f}"
        rows.append([label, f"{capos_name}: {ctext}", f"{linux_name}: {ltext}", ratio])
    return format_table(["comparison", f"capOS {unit}", f"Linux {unit}", "capOS/Linux"], rows)


# ---------------------------------------------------------------------------------------
# Command line

def parse_ops(items):
    ops = {}
    for item in items:
        name, sep, val = item.partition("=")
        if not sep or not NAME_RE.match(name) or not val.isdigit() or int(val) < 1:
            raise argparse.ArgumentTypeError(f"--ops wants NAME=N, got {item!r}")
        ops[name] = int(val)
    return ops


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workloads", nargs="*",
                    help="workload names (default: every Linux workload and every capOS "
                         "workload named in PAIRS)")
    side = ap.add_mutually_exclusive_group()
    side.add_argument("--linux-only", action="store_true")
    side.add_argument("--capos-only", action="store_true")
    ap.add_argument("--mode", choices=sorted(MODES), default="icount")
    ap.add_argument("--mttcg", action="store_const", const="mttcg", dest="mode",
                    help="same as --mode mttcg (wall clock)")
    ap.add_argument("--runs", type=int, default=1, help="boots per side (default 1)")
    ap.add_argument("--ops", action="append", default=[], metavar="NAME=N",
                    help="operation count for one workload (repeatable)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per boot")
    ap.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    args = ap.parse_args(argv[1:])
    try:
        ops = parse_ops(args.ops)
    except argparse.ArgumentTypeError as e:
        ap.error(str(e))
    if args.runs < 1:
        ap.error("--runs must be >= 1")

    sides = []
    if not args.capos_only:
        sides.append(LinuxSide())
    if not args.linux_only:
        sides.append(CaposSide())

    failed = False
    results = {}
    plan = {}
    for s in sides:
        missing = s.missing()
        if missing:
            print(f"{s.name}: not built ({', '.join(missing)}); "
                  f"run `make bench-linux-guest` / `make`", file=sys.stderr)
            return 1
        known = [n for n, _ in s.workloads()]
        chosen = [w for w in args.workloads if w in known] if args.workloads else list(known)
        if s.name == "linux" and args.mode == "icount" and CALIB not in chosen:
            chosen.insert(0, CALIB)   # every icount run proves 1 tick = 1 instruction
        plan[s.name] = chosen
    unknown = [w for w in args.workloads
               if not any(w in plan[s.name] for s in sides) and not
               any(w == c for _, c, _ in PAIRS)]
    if unknown:
        ap.error(f"unknown workload(s): {', '.join(unknown)}")

    for s in sides:
        if not plan[s.name]:
            continue
        runs = []
        for i in range(args.runs):
            r = run_side(s, plan[s.name], ops, args.mode, args.timeout, tag=f"run{i + 1}")
            print(f"{s.name} run {i + 1}/{args.runs} ({args.mode}): {r.seconds:.1f} s host, "
                  f"log {os.path.relpath(r.log, ROOT) if r.log else '-'}", flush=True)
            for line in r.info if i == 0 else []:
                print(f"  {line.strip()}")
            if s.name == "capos" and not r.figures:
                print("  capos: the kernel printed no bench lines (no workload implemented "
                      "for `bench=` yet)")
                r.problems = [p for p in r.problems if not p.startswith("no result line")]
            for p in r.problems:
                print(f"  PROBLEM: {p}")
                failed = True
            runs.append(r)
        for p in determinism_problems(runs, args.mode):
            print(f"  PROBLEM: {p}")
            failed = True
        results[s.name] = runs
        print()
        print(side_table(s.name, runs, plan[s.name], args.mode))
        print()

    if "linux" in results and "capos" in results:
        print(ratio_table(results.get("linux"), results.get("capos"), args.mode))
        print()
    if args.json:
        doc = {"mode": args.mode,
               "sides": {name: [{"seconds": r.seconds, "problems": r.problems,
                                 "figures": {k: dataclasses.asdict(v)
                                             for k, v in r.figures.items()}}
                                for r in runs]
                         for name, runs in results.items()}}
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
