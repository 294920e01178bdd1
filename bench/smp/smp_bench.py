#!/usr/bin/env python3
"""SMP scaling, capOS against a Linux guest in the same QEMU (issue 8 "Benchmark").

What it owns: booting both guests under -smp 2 with multi-threaded TCG
(-accel tcg,thread=multi, -cpu max, the same -m), alternating capOS and Linux boots so
host noise hits both alike, parsing and judging their `smp ...` lines, and the table of
work and total speedups (1 -> 2 threads, 1 -> 2 processes) with medians, ranges and
the ratio capOS/Linux. docs/benchmarks.md "SMP scaling" has the method and figures.
Python 3 stdlib only; `make bench-smp` (BENCH_ARGS="...") runs it.

The job is bench/smp/smp_work.c, the same source in both guests:
  linux  build/bench/linux/vmlinux + build/bench/smp/linux-initramfs.cpio, whose /init
         runs /bench/smp_linux with the kernel command-line word `smpsel=CFG,...`
  capos  build/capos.elf + build/bench/smp/smpbench.manifest: init user/smpbench runs
         its configurations (the ones it has; the others print `unavailable`)
Ping-pong: park/unpark (Linux: futex) round trips between two threads (`pingpong`) or
two processes sharing a page (`pingpong-proc`; capOS: SharedParkSpaces bound to the
same MemoryObject).
Lines (COM1 or COM2):
  smp CFG parts=N chunks=C work_ns=W total_ns=T sum=0x<16 hex>     CFG thread-N|proc-N
  smp pingpong rounds=R total_ns=T ns_per_rt=X        (pingpong-proc: two processes)
  smp CFG unavailable reason=TEXT   |   smp CFG error reason=TEXT
Every job's checksum must equal the host's (`smp_linux ref`, the same C compiled for
the host), and parts must match CFG: a run that computed anything else fails.

Speedup of one boot: time(KIND-1) / time(KIND-2) for the work span (first worker past
the start barrier .. last worker done) and the total span (first create/spawn .. last
join/wait). The table shows, per figure, the median and range over the boots, and the
ratio of capOS's median to Linux's. The QEMU wall clock of every boot (host seconds) is
recorded too.

Exit status: 0 when every boot finished cleanly and every line parsed and checked (an
`unavailable` configuration is not a failure), 1 otherwise, 2 on bad usage.
"""
import argparse
import dataclasses
import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
import harness  # noqa: E402  (the one place that knows how QEMU is started)

BUILD = harness.BUILD
SMP_DIR = os.path.join(BUILD, "bench", "smp")
LOG_DIR = os.path.join(BUILD, "bench", "logs")
LINUX_VMLINUX = os.path.join(BUILD, "bench", "linux", "vmlinux")
LINUX_INITRD = os.path.join(SMP_DIR, "linux-initramfs.cpio")
LINUX_PROGRAM = os.path.join(SMP_DIR, "smp_linux")
CAPOS_KERNEL = os.path.join(BUILD, "capos.elf")
CAPOS_MODULE = os.path.join(SMP_DIR, "smpbench.manifest")

SMP = 2
MEM = "256M"
ACCEL = "tcg,thread=multi"
CONFIGS = ["thread-1", "thread-2", "proc-1", "proc-2", "pingpong", "pingpong-proc"]
PINGPONGS = ("pingpong", "pingpong-proc")
KINDS = ["thread", "proc"]
SPANS = ["work", "total"]

# ---------------------------------------------------------------------------------------
# Parsing

LINE_RE = re.compile(r"(?:^|[\s\]])smp (?P<cfg>[a-z]+(?:-[a-z0-9]+)?) (?P<rest>.*?)\s*$")
JOB_RE = re.compile(r"^(?P<kind>thread|proc)-(?P<n>[1-8])$")
JOB_FIELDS = {"parts": int, "chunks": int, "work_ns": int, "total_ns": int, "sum": str}
PP_FIELDS = {"rounds": int, "total_ns": int, "ns_per_rt": float}
SUM_RE = re.compile(r"^0x[0-9a-f]{16}$")


class ParseError(Exception):
    """A malformed `smp` line."""


@dataclasses.dataclass
class Result:
    """One configuration in one boot. status: ok | unavailable | error."""
    cfg: str
    status: str
    fields: dict = dataclasses.field(default_factory=dict)
    reason: str = ""


def parse_line(line):
    """A Result for an `smp ...` line, None for any other line; ParseError if malformed."""
    m = LINE_RE.search(line)
    if not m:
        return None
    cfg, rest = m.group("cfg"), m.group("rest")
    if cfg not in PINGPONGS and not JOB_RE.match(cfg):
        raise ParseError(f"unknown configuration {cfg!r}")
    status, _, tail = rest.partition(" ")
    if status in ("unavailable", "error"):
        if not tail.startswith("reason=") or tail == "reason=":
            raise ParseError(f"{cfg}: {status} without reason=")
        return Result(cfg, status, reason=tail[len("reason="):])
    spec = PP_FIELDS if cfg in PINGPONGS else JOB_FIELDS
    fields = {}
    for tok in rest.split():
        key, sep, val = tok.partition("=")
        if not sep or key not in spec or key in fields:
            raise ParseError(f"{cfg}: bad or repeated field {tok!r}")
        try:
            fields[key] = spec[key](val)
        except ValueError:
            raise ParseError(f"{cfg}: bad value {tok!r}") from None
    missing = [k for k in spec if k not in fields]
    if missing:
        raise ParseError(f"{cfg}: missing {', '.join(missing)}")
    if cfg not in PINGPONGS and not SUM_RE.match(fields["sum"]):
        raise ParseError(f"{cfg}: bad checksum {fields['sum']!r}")
    if any(v < 0 for k, v in fields.items() if k != "sum"):
        raise ParseError(f"{cfg}: negative field")
    return Result(cfg, "ok", fields)


def parse_output(lines):
    """{cfg: Result} of one boot; ParseError also for two lines of one configuration."""
    out = {}
    for line in lines:
        r = parse_line(line)
        if r is None:
            continue
        if r.cfg in out:
            raise ParseError(f"{r.cfg}: reported twice")
        out[r.cfg] = r
    return out


def check_result(r, ref_chunks, ref_sum):
    """Problems of one ok job Result against the host's reference (empty: fine)."""
    if r.status != "ok" or r.cfg in PINGPONGS:
        return []
    problems = []
    n = int(JOB_RE.match(r.cfg).group("n"))
    f = r.fields
    if f["parts"] != n:
        problems.append(f"{r.cfg}: parts={f['parts']}, expected {n}")
    if f["chunks"] != ref_chunks:
        problems.append(f"{r.cfg}: chunks={f['chunks']}, the reference used {ref_chunks}")
    elif f["sum"] != ref_sum:
        problems.append(f"{r.cfg}: checksum {f['sum']} != reference {ref_sum} (wrong result)")
    if f["work_ns"] == 0 or f["work_ns"] > f["total_ns"]:
        problems.append(f"{r.cfg}: work_ns={f['work_ns']} not in (0, total_ns={f['total_ns']}]")
    return problems


MASK64 = (1 << 64) - 1
CHUNK_ITERS = 4096           # SMP_CHUNK_ITERS (smp_work.h)
MUL_A = 0x9e3779b97f4a7c15   # SMP_MUL_A, SMP_MUL_B (smp_work.c)
MUL_B = 0xd1b54a32d192ed03


def py_chunk(c):
    """smp_chunk(c) of smp_work.c, independently in Python (tests compare the two)."""
    h = ((c + 1) * MUL_A) & MASK64
    for i in range(CHUNK_ITERS):
        h ^= h >> 29
        h = ((h + i) * MUL_B) & MASK64
        h ^= h >> 31
    return h


def py_reference(chunks):
    """The checksum of `chunks` chunks as the guests print it (0x + 16 hex digits); slow
    (a few ms per chunk): for small jobs only."""
    return f"0x{sum(py_chunk(c) for c in range(chunks)) & MASK64:016x}"


def reference(program=LINUX_PROGRAM):
    """(chunks, sum) of the default job, computed on the host by smp_linux itself."""
    out = subprocess.run([program, "ref"], check=True, stdout=subprocess.PIPE,
                         text=True).stdout.strip()
    m = re.match(r"^smp-ref chunks=(\d+) sum=(0x[0-9a-f]{16})$", out)
    if not m:
        raise RuntimeError(f"smp_linux ref printed {out!r}")
    return int(m.group(1)), m.group(2)


# ---------------------------------------------------------------------------------------
# Figures

def speedups(results):
    """{(kind, span): T(kind-1)/T(kind-2)} for the kinds both ends of which are ok."""
    out = {}
    for kind in KINDS:
        one, two = results.get(f"{kind}-1"), results.get(f"{kind}-2")
        if not (one and two and one.status == two.status == "ok"):
            continue
        for span in SPANS:
            t1, t2 = one.fields[f"{span}_ns"], two.fields[f"{span}_ns"]
            if t2 > 0:
                out[(kind, span)] = t1 / t2
    return out


def summary(values):
    """(median, low, high) of a non-empty list, or None."""
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def cell(s, fmt="{:.3f}"):
    if s is None:
        return "n/a"
    med, lo, hi = s
    return f"{fmt.format(med)} ({fmt.format(lo)}-{fmt.format(hi)})"


@dataclasses.dataclass
class Boot:
    """One guest boot of one side."""
    side: str
    results: dict
    problems: list
    host_s: float
    log: str


def side_figures(boots):
    """Per-figure value lists across boots of one side: speedups, single-part times,
    ping-pong, host seconds."""
    figs = {}
    for b in boots:
        for key, v in speedups(b.results).items():
            figs.setdefault(f"{key[0]} {key[1]} speedup", []).append(v)
        for kind in KINDS:
            r = b.results.get(f"{kind}-1")
            if r and r.status == "ok":
                figs.setdefault(f"{kind}-1 work ms", []).append(r.fields["work_ns"] / 1e6)
        for cfg in PINGPONGS:
            pp = b.results.get(cfg)
            if pp and pp.status == "ok":
                figs.setdefault(f"{cfg} us/rt", []).append(pp.fields["ns_per_rt"] / 1e3)
        figs.setdefault("host s/boot", []).append(b.host_s)
    return figs


ROWS = [("thread work speedup", "{:.3f}"), ("thread total speedup", "{:.3f}"),
        ("proc work speedup", "{:.3f}"), ("proc total speedup", "{:.3f}"),
        ("thread-1 work ms", "{:.1f}"), ("proc-1 work ms", "{:.1f}"),
        ("pingpong us/rt", "{:.1f}"), ("pingpong-proc us/rt", "{:.1f}"),
        ("host s/boot", "{:.1f}")]


def unavailable_note(boots, cfgs):
    """'cfg: reason' for configurations a side reported unavailable (first boot's)."""
    notes = []
    for b in boots[:1]:
        for c in cfgs:
            r = b.results.get(c)
            if r and r.status == "unavailable":
                notes.append(f"{c}: {r.reason}")
    return notes


def table(linux_boots, capos_boots, markdown=False):
    """The comparison table (text, or a Markdown table with markdown=True)."""
    lf, cf = side_figures(linux_boots), side_figures(capos_boots)
    head = ["figure", f"Linux median (range), {len(linux_boots)} boots",
            f"capOS median (range), {len(capos_boots)} boots", "capOS/Linux"]
    rows = []
    for name, fmt in ROWS:
        ls, cs = summary(lf.get(name, [])), summary(cf.get(name, []))
        ratio = f"{cs[0] / ls[0]:.3f}" if ls and cs and ls[0] else "n/a"
        rows.append([name, cell(ls, fmt), cell(cs, fmt), ratio])
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(out)
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    fmt_row = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([fmt_row(head), fmt_row(["-" * w for w in widths])] +
                     [fmt_row(r) for r in rows])


# ---------------------------------------------------------------------------------------
# Boots

def linux_boot(timeout):
    return harness.Boot(mode="direct", kernel=LINUX_VMLINUX, modules=[LINUX_INITRD],
                        cmdline="console=ttyS0 quiet panic=-1 cryptomgr.notests "
                                f"smpsel={','.join(['warmup'] + CONFIGS)}",
                        smp=SMP, mem=MEM, accel=ACCEL, timeout=timeout)


def capos_boot(timeout):
    return harness.Boot(mode="direct", kernel=CAPOS_KERNEL, modules=[CAPOS_MODULE],
                        smp=SMP, mem=MEM, accel=ACCEL, timeout=timeout)


SIDES = {
    # side: (boot factory, clean exit status, done marker on COM1)
    "linux": (linux_boot, 0, re.compile(r"^smp-guest done rc=0$")),
    "capos": (capos_boot, harness.EXIT_CLEAN, harness.SHUTDOWN_OK),
}


def judge(side, res, ref):
    """A Boot from one harness result: parse COM1 and COM2, check every line."""
    _, status, marker = SIDES[side]
    problems = harness.check(res, expect=[marker], status=status)
    lines = [line for _, line in res.com1] + res.com2.splitlines()
    try:
        results = parse_output(lines)
    except ParseError as e:
        results, problems = {}, problems + [f"unparsable smp line: {e}"]
    for c in CONFIGS:
        r = results.get(c)
        if r is None:
            problems.append(f"no line for {c}")
        elif r.status == "error":
            problems.append(f"{c} failed in the guest: {r.reason}")
        else:
            problems += check_result(r, *ref)
    return Boot(side, results, problems, res.elapsed, res.com1_path)


def stuck_before_work(res):
    """A boot that timed out before printing any `smp` line: the guest never reached the
    job (seen once with Linux: a soft lockup in its boot-time crypto self-test thread on
    a loaded host under MTTCG). Such a boot is retried once, and says so."""
    lines = [line for _, line in res.com1] + res.com2.splitlines()
    return res.timed_out and not any(LINE_RE.search(line) for line in lines)


def run_boot(side, i, ref, timeout):
    boot = SIDES[side][0](timeout)
    missing = harness.check_inputs(boot)
    if missing:
        return Boot(side, {}, [f"not built: {', '.join(missing)}"], 0.0, "")
    res = harness.run(boot, f"smp-{side}-run{i + 1}", log_dir=LOG_DIR)
    if stuck_before_work(res):
        print(f"{side} run {i + 1}: stuck before the job ({res.com1_path}); retrying once",
              flush=True)
        res = harness.run(boot, f"smp-{side}-run{i + 1}-retry", log_dir=LOG_DIR)
    return judge(side, res, ref)


def order(i, sides):
    """Alternate which side boots first, so drift in host load hits both alike."""
    return sides if i % 2 == 0 else list(reversed(sides))


def loadavg():
    """The host's 1-minute load average (MTTCG figures mean little on a loaded host)."""
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    side = ap.add_mutually_exclusive_group()
    side.add_argument("--linux-only", action="store_true")
    side.add_argument("--capos-only", action="store_true")
    ap.add_argument("--runs", type=int, default=5, help="boots per side (default 5)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per boot")
    ap.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    ap.add_argument("--json", metavar="PATH", help="also write every result as JSON")
    args = ap.parse_args(argv[1:])
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    sides = ["linux"] if args.linux_only else ["capos"] if args.capos_only else \
        ["linux", "capos"]
    ref = reference()
    print(f"reference (host): chunks={ref[0]} sum={ref[1]}; -smp {SMP} -accel {ACCEL} "
          f"-m {MEM}; host load average {loadavg()}", flush=True)
    boots = {s: [] for s in sides}
    failed = False
    for i in range(args.runs):
        for s in order(i, sides):
            b = run_boot(s, i, ref, args.timeout)
            boots[s].append(b)
            sp = speedups(b.results)
            shown = "  ".join(f"{k}/{p} x{v:.3f}" for (k, p), v in sorted(sp.items()))
            print(f"{s} run {i + 1}/{args.runs}: {b.host_s:.1f} s host  {shown}  "
                  f"log {os.path.relpath(b.log, ROOT) if b.log else '-'}", flush=True)
            for p in b.problems:
                print(f"  PROBLEM: {p}")
                failed = True
    print(f"\nhost load average at the end: {loadavg()}\n")
    print(table(boots.get("linux", []), boots.get("capos", [])))
    for s in sides:
        for note in unavailable_note(boots[s], CONFIGS):
            print(f"  {s} unavailable: {note}")
    if args.markdown:
        print()
        print(table(boots.get("linux", []), boots.get("capos", []), markdown=True))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({s: [{"host_s": b.host_s, "problems": b.problems,
                            "results": {k: dataclasses.asdict(v)
                                        for k, v in b.results.items()}}
                           for b in bl] for s, bl in boots.items()}, f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
