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
harness.py for booting and judging. Used by boot_tests.py, fault_tests.py,
kmem_tests.py and platform_tests.py; Python 3 standard library only.

Environment: CAPOS_QEMU_JOBS (default 2, at most 2) guests at a time;
CAPOS_BOOT_FILTER=substr runs only tests whose id contains substr.
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
    """Problems, one per line where `got` differs from `want` (both lists of lines)."""
    problems = []
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else "<missing>"
        w = want[i] if i < len(want) else "<nothing more>"
        if g != w:
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
    """A check that runs a developer target itself: fn() -> (problems, output)."""
    id: str
    desc: str
    fn: object

    def run(self):
        start = time.monotonic()
        try:
            problems, out = self.fn()
        except (OSError, subprocess.SubprocessError) as e:
            problems, out = [f"{type(e).__name__}: {e}"], ""
        details = (["output:"] + ["  " + line for line in out.splitlines()[-30:]]
                   if problems else [])
        return Outcome(self.id, self.desc, problems, details, time.monotonic() - start)


def run_suite(tests):
    """Runs the tests selected by CAPOS_BOOT_FILTER, CAPOS_QEMU_JOBS (default 2, at most
    2) at a time, printing results in list order. Returns 1 if any failed, else 0."""
    jobs = max(1, min(int(os.environ.get("CAPOS_QEMU_JOBS", "2")), 2))
    filt = os.environ.get("CAPOS_BOOT_FILTER", "")
    os.makedirs(harness.default_log_dir(), exist_ok=True)
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for o in pool.map(lambda t: t.run(), [t for t in tests if filt in t.id]):
            if not o.problems:
                print(f"ok {o.id} - {o.desc} ({o.elapsed:.2f}s)", flush=True)
                continue
            failed += 1
            print(f"not ok {o.id} - {o.problems[0]}", flush=True)
            for line in o.details or [f"reason: {p}" for p in o.problems]:
                print(f"#   {line}")
    return 1 if failed else 0
