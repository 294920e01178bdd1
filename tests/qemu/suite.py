"""Shared scaffolding of the QEMU boot-test suites: the test record, the run loop and
the kernel-log vocabulary the suites match.

What it owns: `Test` (one judged boot: markers in order, forbidden markers, exit status,
an optional judge for values that need arithmetic), `ScriptTest` (the same for a boot
whose COM2 terminal a script drives through harness.Terminal), `ToolTest` (a check that drives a
developer target itself), `run_suite(tests)` (runs them at most two guests at a time,
prints one `ok <id> - desc (secs)` or `not ok <id> - reason` line per test with `#`
commentary under a failure, returns the exit status), and the regular expressions and
parsers for the kernel lines more than one suite reads (`[cpu] features/enabled`,
`[mm] memory`, `[acpi] RSDP/MADT`, `[apic]`, `[timer]`, `[trap] cr2`). Relies on
harness.py for booting and judging. Used by every QEMU suite (tests/qemu/*_tests.py);
Python 3 standard library only.

The CPU-count axis: run_suite runs every test once per selected CPU count (1, 2 and 4
unless CAPOS_TEST_SMP says otherwise), with the Boot's smp set to that count and the id
suffixed `@smp<n>` (`ok timer-suite@smp2 - ...`). A value that depends on the count (the
MADT line, a -smp string, a judge, a script) is written as `PerSmp(lambda n: ...)` and
resolved per count. A test that is inherently single-count (an exact instruction count
under -icount, a test about one particular -smp, say) sets `single="<why>"`: it runs
once, at its Boot's own smp (any count, also one outside KNOWN_SMP), still with the
suffix, whatever counts are selected: nothing is skipped. A count outside KNOWN_SMP in
the selection fails the suite.

Environment: CAPOS_QEMU_JOBS (default 2, at most 2) guests at a time;
CAPOS_BOOT_FILTER=substr runs only tests whose id (with its @smp<n>) contains substr;
CAPOS_TEST_SMP="1 2 4" the CPU counts (any non-empty subset of KNOWN_SMP, space or comma
separated; `make test SMP="1 2"` sets it).
"""
import concurrent.futures
import dataclasses
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import CLEAN_FORBIDDEN, EXIT_CLEAN  # noqa: E402

HEX = r"0x[0-9a-f]+"
HEX16 = r"0x[0-9a-f]{16}"


def words(prefix, *required):
    """A marker: a line starting with prefix that contains every required word."""
    look = "".join(rf"(?=.*\b{re.escape(w)}\b)" for w in required)
    return re.compile("^" + re.escape(prefix) + look)


# ---- kernel log vocabulary ---------------------------------------------------------

# Under -cpu max the CPU has, and the kernel must switch on, these protections.
PROTECTIONS = ("nx", "smep", "smap", "umip")
CPU_FEATURES = words("[cpu] features:", *PROTECTIONS)
CPU_ENABLED = words("[cpu] enabled:", *PROTECTIONS)

MEMORY = re.compile(r"^\[mm\] memory: total (\d+) KiB, usable (\d+) KiB, "
                    r"free (\d+) frames \((\d+) KiB\)$")

RSDP_SCAN = re.compile(rf"^\[acpi\] RSDP rev 0 at {HEX} \(bios scan\), RSDT at {HEX}, \d+ tables")
RSDP_COPY_V1 = re.compile(rf"^\[acpi\] RSDP rev 0 at boot loader copy, RSDT at {HEX}, \d+ tables")
RSDP_COPY_V2 = re.compile(rf"^\[acpi\] RSDP rev 2 at boot loader copy, XSDT at {HEX}, \d+ tables")
APIC_UP = re.compile(rf"^\[apic\] pic masked; lapic id 0 version {HEX} enabled")
IOAPIC_MASKED = re.compile(rf"^\[apic\] ioapic id \d+ version {HEX}: 24 pins masked")
CALIBRATED = re.compile(r"^\[timer\] lapic (\d+) Hz, tsc (\d+) MHz, calibrated against (hpet|pit)$")
TICKING = re.compile(r"^\[timer\] ticking: (\d+) ticks$")
QEMU_LAPIC_HZ = 62_500_000   # QEMU's APIC timer: 1 ns per tick, divide-by-16 programmed

ANY_CR2 = re.compile(rf"^\[trap\] cr2 ({HEX}) \((.*)\)$")
CR2_LINE = re.compile(rf"^\[trap\] cr2 ({HEX})")


def madt_cpus(n, full=False):
    """The MADT summary line naming exactly n enabled CPUs (APIC ids 0..n-1); with
    full, the whole line (QEMU's one IOAPIC at 0xfec00000, GSI base 0)."""
    ids = " ".join(str(i) for i in range(n))
    tail = r", IOAPIC id 0 at 0xfec00000 gsi 0, \d+ overrides$" if full else ","
    return re.compile(rf"^\[acpi\] MADT: {n} CPUs \(apic ids {ids}\){tail}")


def calibrated(ref):
    """The calibration line, against the named reference clock (hpet or pit)."""
    return re.compile(CALIBRATED.pattern.replace("(hpet|pit)", ref))


def first_match(result, pattern):
    """The first COM1 line matching pattern (stripped), as a match object, or None."""
    for _, line in result.com1:
        m = pattern.match(line.strip())
        if m:
            return m
    return None


# ---- judges: result -> list of problems --------------------------------------------


def lines_differ(got, want, what="COM2", width=120):
    """Problems, one per line where `got` differs from `want` (lists of lines; a want
    entry may be a compiled regular expression the whole line must match)."""
    problems = []
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else "<missing>"
        w = want[i] if i < len(want) else "<nothing more>"
        if isinstance(w, re.Pattern):
            if i >= len(got) or w.fullmatch(g) is None:
                problems.append(f"{what} line {i + 1}: got {g[:width]!r}, want /{w.pattern}/")
        elif g != w:
            problems.append(f"{what} line {i + 1}: got {g[:width]!r}, want {w[:width]!r}")
    return problems


def com2_exact(want):
    """Judge: COM2 (the user terminal) holds exactly these lines, in this order (the
    first eight differences are reported)."""
    def judge(result):
        return lines_differ(result.com2.splitlines(), want)[:8]
    return judge


def all_of(*judges):
    return lambda result: [p for j in judges for p in j(result)]


def memory_judge(total_kib=None, max_mib=None, min_free_kib=1):
    """Checks the [mm] memory line's arithmetic: free frames x 4 KiB = free KiB,
    min_free_kib <= free <= usable <= total, usable within max_mib of RAM, and (when
    given) the exact total the QEMU memory map implies. (`total` counts every map
    entry kmem considers, e.g. firmware-reserved ranges under UEFI, so only `usable`
    is bounded by the RAM size.)"""
    def judge(result):
        m = first_match(result, MEMORY)
        if m is None:
            return ["no parsable [mm] memory line"]
        total, usable, frames, free = (int(x) for x in m.groups())
        problems = []
        if frames * 4 != free:
            problems.append(f"{frames} free frames is not {free} KiB")
        if not min_free_kib <= free <= usable <= total:
            problems.append(f"want {min_free_kib} <= free {free} <= usable {usable} <= "
                            f"total {total} (KiB)")
        if max_mib is not None and usable > max_mib * 1024:
            problems.append(f"usable {usable} KiB exceeds the {max_mib} MiB of RAM")
        if total_kib is not None and total != total_kib:
            problems.append(f"total {total} KiB, expected {total_kib} KiB")
        return problems
    return judge


def ticks_judge(result):
    """The boot waits for 10 timer ticks; fewer means the tick line lies."""
    m = first_match(result, TICKING)
    if m is None:
        return ["no [timer] ticking line"]
    return [] if int(m.group(1)) >= 10 else [f"only {m.group(1)} ticks"]


def calibration_judge(result):
    """The calibrated rates read back from the log: the LAPIC timer within 1% of QEMU's
    62.5 MHz, the TSC a plausible 0.1-10 GHz."""
    m = first_match(result, CALIBRATED)
    if m is None:
        return ["no [timer] calibration line"]
    lapic, tsc_mhz = int(m.group(1)), int(m.group(2))
    problems = []
    if abs(lapic - QEMU_LAPIC_HZ) > QEMU_LAPIC_HZ // 100:
        problems.append(f"lapic {lapic} Hz is not within 1% of {QEMU_LAPIC_HZ}")
    if not 100 <= tsc_mhz <= 10_000:
        problems.append(f"tsc {tsc_mhz} MHz implausible")
    return problems


timer_judge = all_of(calibration_judge, ticks_judge)


def cr2_in_page(announce):
    """CR2 of the reported fault must lie in the 4 KiB page whose address a self-test
    announced (announce: a regex whose group 1 is that address)."""
    def judge(result):
        said, cr2 = first_match(result, announce), first_match(result, CR2_LINE)
        if said is None or cr2 is None:
            return ["announced address or CR2 line missing"]
        page, c = int(said.group(1), 16), int(cr2.group(1), 16)
        return [] if page <= c < page + 4096 else [f"cr2 {c:#x} outside the page {page:#x}"]
    return judge


# ---- the CPU-count axis -------------------------------------------------------------

# The counts issue 8 asks the whole suite to pass at (-smp 1, 2, 4; MTTCG above 1).
# harness.time_scale() stretches timeouts for them; another count needs its own look at
# the timeouts before it is added here.
KNOWN_SMP = (1, 2, 4)
SMP_ENV = "CAPOS_TEST_SMP"


def smp_counts(text=None):
    """The CPU counts to run, from `text` (default: $CAPOS_TEST_SMP, unset or blank
    meaning all of KNOWN_SMP): integers separated by spaces or commas, each in KNOWN_SMP,
    no repeats, in the order given. Raises ValueError naming the bad entry."""
    if text is None:
        text = os.environ.get(SMP_ENV, "")
    fields = [f for f in re.split(r"[\s,]+", text.strip()) if f]
    if not fields:
        return list(KNOWN_SMP)
    counts = []
    for f in fields:
        if not f.isdigit() or int(f) not in KNOWN_SMP:
            raise ValueError(f"{SMP_ENV}: unknown CPU count {f!r} (known: "
                             f"{' '.join(map(str, KNOWN_SMP))})")
        if int(f) in counts:
            raise ValueError(f"{SMP_ENV}: CPU count {f} given twice")
        counts.append(int(f))
    return counts


class PerSmp:
    """A test value that depends on the CPU count: fn(n) gives it for -smp n (a marker,
    a list of markers, a judge, a script, a -smp string)."""

    def __init__(self, fn):
        self.fn = fn

    def at(self, n):
        return self.fn(n)


def at_smp(value, n):
    """`value` for -smp n: a PerSmp resolved, a list resolved element by element (a
    PerSmp element that yields a list is spliced in), anything else as it is."""
    if isinstance(value, PerSmp):
        return at_smp(value.at(n), n)
    if isinstance(value, list):
        out = []
        for v in value:
            r = at_smp(v, n)
            out += r if isinstance(v, PerSmp) and isinstance(r, list) else [r]
        return out
    return value


# The MADT summary line for the count under test (madt_cpus(n) / madt_cpus(n, full=True)).
MADT_CPUS = PerSmp(madt_cpus)
MADT_CPUS_FULL = PerSmp(lambda n: madt_cpus(n, full=True))


def smp_id(id, n):
    """The id a test reports at -smp n."""
    return f"{id}@smp{n}"


def boot_at(boot, n):
    """A copy of `boot` for -smp n: smp is n, or a PerSmp smp resolved (e.g.
    "n,maxcpus=n+2"); `extra` (a list, or a PerSmp giving one) resolved too."""
    smp = at_smp(boot.smp, n) if isinstance(boot.smp, PerSmp) else n
    extra = at_smp(boot.extra, n)
    return dataclasses.replace(boot, smp=smp, extra=list(extra))


def expand(tests, counts):
    """The runs of `tests` for the CPU counts `counts`, grouped by test in list order:
    each test once per count, with the count applied; a single-count test once, at its
    Boot's own count, selected or not (its id says which). Raises TypeError for a test
    that is neither (no at_smp: a class of its own that the axis cannot apply a count
    to), naming it."""
    runs = []
    for t in tests:
        if not getattr(t, "single", "") and not hasattr(t, "at_smp"):
            raise TypeError(f"{getattr(t, 'id', t)!r}: {type(t).__name__} has no at_smp "
                            "(the CPU-count axis cannot run it; subclass Test or set single=)")
        if getattr(t, "single", ""):
            runs.append(dataclasses.replace(t, id=smp_id(t.id, harness.smp_cpus(t.boot.smp))))
        else:
            runs += [t.at_smp(n) for n in counts]
    return runs


# ---- tests and the run loop --------------------------------------------------------

@dataclasses.dataclass
class Outcome:
    id: str
    desc: str
    problems: list      # empty: passed
    details: list       # commentary printed on failure
    elapsed: float


@dataclasses.dataclass
class Test:
    """One judged boot: `expect` markers in order on COM1, none of `forbid`, QEMU exit
    `status`, then `judge(result)` (values needing arithmetic) once those hold."""
    id: str
    desc: str
    boot: harness.Boot
    expect: list
    forbid: list = dataclasses.field(default_factory=lambda: list(CLEAN_FORBIDDEN))
    status: int = EXIT_CLEAN
    judge: object = None     # result -> [problems]
    single: str = ""         # why it runs at its Boot's smp only ("" = every count)

    def at_smp(self, n):
        """This test at -smp n (the axis): id suffixed, count-dependent values resolved."""
        return dataclasses.replace(self, id=smp_id(self.id, n), boot=boot_at(self.boot, n),
                                   expect=at_smp(self.expect, n), forbid=at_smp(self.forbid, n),
                                   judge=at_smp(self.judge, n))

    def run(self):
        try:
            result = harness.run(self.boot, self.id)
        except FileNotFoundError as e:
            return Outcome(self.id, self.desc, [str(e)], [], 0.0)
        return judged(self, result, [])


def judged(test, result, problems):
    """The Outcome of `test` (a Test or ScriptTest) for `result`: `problems` found
    already, else its markers, status and judge."""
    if not problems:
        problems = harness.check(result, test.expect, test.forbid, test.status)
    if not problems and test.judge:
        problems = test.judge(result)
    details = harness.describe_failure(result, problems) if problems else []
    return Outcome(test.id, test.desc, problems, details, result.elapsed)


@dataclasses.dataclass
class ScriptTest:
    """One boot whose user terminal (COM2) is scripted (harness.Terminal): `script(t)`
    types and expects (a harness.TerminalError is the test's failure; a returned list
    holds further problems), then the guest runs to its own exit and the Result is
    judged like a Test: `expect` markers in order on COM1, none of `forbid`, QEMU exit
    `status`, then `judge(result)`."""
    id: str
    desc: str
    boot: harness.Boot
    script: object           # harness.Terminal -> [problems] or None
    expect: list
    forbid: list = dataclasses.field(default_factory=lambda: list(CLEAN_FORBIDDEN))
    status: int = EXIT_CLEAN
    judge: object = None     # result -> [problems]
    single: str = ""         # why it runs at its Boot's smp only ("" = every count)

    def at_smp(self, n):
        """This test at -smp n, as Test.at_smp (the script may be a PerSmp too)."""
        return dataclasses.replace(self, id=smp_id(self.id, n), boot=boot_at(self.boot, n),
                                   script=at_smp(self.script, n), expect=at_smp(self.expect, n),
                                   forbid=at_smp(self.forbid, n), judge=at_smp(self.judge, n))

    def run(self):
        problems = []
        try:
            with harness.Terminal(self.boot, self.id) as t:
                try:
                    problems = list(self.script(t) or [])
                except harness.TerminalError as e:
                    problems = [str(e), f"COM2 not yet consumed: {e.tail[-200:]!r}"]
                if not problems:
                    t.wait()
            result = t.result
        except (FileNotFoundError, OSError) as e:
            return Outcome(self.id, self.desc, [f"{type(e).__name__}: {e}"], [], 0.0)
        return judged(self, result, problems)


@dataclasses.dataclass
class ToolTest:
    """A check that runs a developer target itself: fn(smp) -> (problems, output), smp
    being the CPU count to boot with (--smp for the harness, timeouts stretched by
    harness.time_scale)."""
    id: str
    desc: str
    fn: object
    smp: int = 0             # set by at_smp

    def at_smp(self, n):
        return dataclasses.replace(self, id=smp_id(self.id, n), smp=n)

    def run(self):
        start = time.monotonic()
        try:
            problems, out = self.fn(self.smp)
        except (OSError, subprocess.SubprocessError) as e:
            problems, out = [f"{type(e).__name__}: {e}"], ""
        details = (["output:"] + ["  " + line for line in out.splitlines()[-30:]]
                   if problems else [])
        return Outcome(self.id, self.desc, problems, details, time.monotonic() - start)


def run_suite(tests):
    """Runs every test at every CPU count of CAPOS_TEST_SMP (expand()), those whose
    @smp id CAPOS_BOOT_FILTER selects, CAPOS_QEMU_JOBS (default 2, at most 2) at a time,
    printing results in list order. Returns 1 if any failed (or the count selection is
    refused: one `not ok smp-axis` line), else 0."""
    jobs = max(1, min(int(os.environ.get("CAPOS_QEMU_JOBS", "2")), 2))
    filt = os.environ.get("CAPOS_BOOT_FILTER", "")
    try:
        counts = smp_counts()
    except ValueError as e:
        print(f"not ok smp-axis - {e}", flush=True)
        return 1
    try:
        runs = expand(tests, counts)
    except TypeError as e:
        print(f"not ok smp-axis - {e}", flush=True)
        return 1
    os.makedirs(harness.default_log_dir(), exist_ok=True)
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for o in pool.map(lambda t: t.run(), [t for t in runs if filt in t.id]):
            if not o.problems:
                print(f"ok {o.id} - {o.desc} ({o.elapsed:.2f}s)", flush=True)
                continue
            failed += 1
            print(f"not ok {o.id} - {o.problems[0]}", flush=True)
            for line in o.details or [f"reason: {p}" for p in o.problems]:
                print(f"#   {line}")
    return 1 if failed else 0
