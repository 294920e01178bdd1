#!/usr/bin/env python3
"""capOS SMP bring-up tests (docs/smp.md): every CPU the MADT lists comes online
through INIT-SIPI-SIPI, each AP's LAPIC timer ticks, IPIs make a round trip, the
one-shot timer fires at its deadline, and a panic on an AP stops every CPU with a
clean, untorn report. All under QEMU TCG (MTTCG: the vCPUs really run in parallel).

What each test proves:
  smp-1/2/4/8     -smp N boots the demo system to its clean shutdown with N of N CPUs
                  online ("cpu k (apic id k) online" for every AP) and every CPU's
                  timer ticking: the kernel's per-CPU tick check prints each CPU's
                  ticks since bring-up, and the judge wants >= 3 for every one.
  smp-maxcpus     -smp 2,maxcpus=4: QEMU 7.2 lists the 2 absent CPUs with neither
                  flag; they are reported and not started, 2 of 2 come online.
  smp-ghost       selftest=smpghost adds APIC id 127, which does not exist: it is
                  reported "did not start" after the bounded wait, the boot goes on.
  smp-cpus-limit  cpus=2 at -smp 4: the 2 CPUs beyond the limit are reported skipped.
  smp-cpus-bad    cpus=0 and cpus=65 (hostile): a typed "[smp] error:" line, exit 35.
  smp-ipi-4/1     selftest=ipi: a round trip BSP -> AP -> BSP to every CPU (and a
                  self-IPI), a broadcast answered by every AP and not delivered to
                  the sender, and the refusals (index not online, vectors 31 and 256)
                  with their exact errors; every AP's idle/NMI/#DF/#MC stack mapped and
                  the guard page below each unmapped; on one CPU only the self-IPI and
                  refusals.
  smp-oneshot     selftest=oneshot: the one-shot interrupt comes not before its
                  deadline and alone (no periodic tick for 60 ms), a past deadline
                  fires at once, the periodic tick resumes.
  smp-appanic     selftest=appanic at -smp 4: every CPU logs lines while AP 1 panics
                  (after every CPU's first line: all 4 CPUs' lines precede the panic);
                  the report says 3 of 3 other CPUs stopped, every COM1 line is whole
                  (the klog lock, taken by the panic in ticket order: docs/smp.md
                  "panic and the log"), no "line above may be cut" admission, and no
                  other CPU's line follows the panic line.
  smp-appanic-1   the same on one CPU: refused with CAPOS_ERR_SMP_SELFTEST, no hang.

Output follows the test-driver contract (tests/run.py). CAPOS_BOOT_FILTER=substr runs
a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BANNER, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, run_suite  # noqa: E402

TRAMP = re.compile(r"^\[smp\] trampoline at 0x[0-9a-f]+, xapic, one-shot timer by "
                   r"(lapic count|tsc-deadline)$")
TIMERS = re.compile(r"^\[smp\] timers: (\d+) cpus, ticks since bring-up:((?: \d+)+)$")
SPAM = re.compile(r"^\[smp\] selftest appanic: cpu (\d+) line \d+ "
                  r"0123456789abcdefghijklmnopqrstuvwxyz$")
SPAM_ANY = re.compile(r"appanic: cpu \d+ line")   # also a torn or garbled spam line
WHOLE_LINE = re.compile(r"^\[[\w-]+\] ")
ONLINE = re.compile(r"^\[smp\] (\d+) of \d+ CPUs online$")
CUT = "past the bound: the line above may be cut"  # the panic's admission (docs/smp.md)
TIMEOUT = 60.0  # many vCPUs under TCG on a shared host


def online(n, listed=None):
    """Markers of n CPUs coming online (of `listed` tried)."""
    return ([TRAMP] + [f"[smp] cpu {k} (apic id {k}) online" for k in range(1, n)]
            + [f"[smp] {n} of {listed or n} CPUs online"])


def ticks_judge(n):
    """Every one of the n CPUs ticked at least 3 times after bring-up."""
    def judge(result):
        for _, line in result.com1:
            m = TIMERS.match(line)
            if m:
                ticks = [int(x) for x in m.group(2).split()]
                if int(m.group(1)) != n or len(ticks) != n:
                    return [f"timer line for {m.group(1)} cpus, want {n}: {line}"]
                slow = [i for i, t in enumerate(ticks) if t < 3]
                return [f"cpus {slow} ticked fewer than 3 times: {line}"] if slow else []
        return ["no [smp] timers line"]
    return judge


def appanic_judge(result):
    """Whole lines only; spam from several CPUs before the panic, none after it."""
    lines = [line for _, line in result.com1]
    start = next((i for i, line in enumerate(lines) if BANNER in line), None)
    if start is None:
        return ["no banner"]
    problems = [f"torn or foreign line: {line!r}" for line in lines[start:]
                if not WHOLE_LINE.match(line)][:3]
    first_panic = next((i for i, line in enumerate(lines) if line.startswith("[panic]")), None)
    if first_panic is None:
        return problems + ["no [panic] line"]
    spam = [line for line in lines[:first_panic] if SPAM_ANY.search(line)]
    bad = [line for line in spam if not SPAM.match(line)]
    cpus = {SPAM.match(line).group(1) for line in spam if SPAM.match(line)}
    after = [line for line in lines[first_panic:] if SPAM_ANY.search(line)]
    if bad:
        problems.append(f"garbled spam line: {bad[0]!r}")
    online = next((int(m.group(1)) for m in map(ONLINE.match, lines) if m), 0)
    if len(cpus) < online:
        problems.append(f"spam from cpus {sorted(cpus)} only; want all {online} logging "
                        "before the panic")
    if after:
        problems.append(f"a CPU logged after the panic: {after[0]!r}")
    return problems


def boot(smp, cmdline=""):
    return Boot(mode="direct", smp=smp, cmdline=cmdline, timeout=TIMEOUT)


def smp_n(n):
    return Test(f"smp-{n}", f"-smp {n}: {n} of {n} CPUs online, every timer ticking, demo "
                "system to a clean shutdown", boot(n), [BANNER] + online(n) + [SHUTDOWN_OK],
                judge=ticks_judge(n))


def cpus_bad(value):
    return Test(f"smp-cpus-bad-{value}", f"cpus={value}: typed error line, exit 35",
                boot(2, f"cpus={value}"),
                [BANNER, "[smp] error: cpus= must be a CPU count from 1 to 64"],
                forbid=["[smp] cpu 1", SHUTDOWN_OK, "[trap]"], status=EXIT_PANIC)


TESTS = [smp_n(n) for n in (1, 2, 4, 8)] + [
    Test("smp-maxcpus", "-smp 2,maxcpus=4: the 2 absent slots reported, not started",
         boot("2,maxcpus=4"),
         [BANNER, TRAMP,
          "[smp] 2 MADT cpu slot(s) neither enabled nor online-capable: not started",
          "[smp] cpu 1 (apic id 1) online", "[smp] 2 of 2 CPUs online", SHUTDOWN_OK],
         judge=ticks_judge(2)),
    Test("smp-ghost", "selftest=smpghost: a CPU that never answers is reported, boot goes on",
         boot(2, "selftest=smpghost"),
         [BANNER, TRAMP, "[smp] cpu 1 (apic id 1) online",
          "[smp] cpu 2 (apic id 127) did not start", "[smp] 2 of 3 CPUs online", SHUTDOWN_OK],
         judge=ticks_judge(2)),
    Test("smp-cpus-limit", "cpus=2 at -smp 4: 2 CPUs reported skipped",
         boot(4, "cpus=2"),
         [BANNER, TRAMP, "[smp] cpu 1 (apic id 1) online",
          "[smp] cpu 2 (apic id 2) skipped: beyond the cpus= limit",
          "[smp] cpu 2 (apic id 3) skipped: beyond the cpus= limit",
          "[smp] 2 of 4 CPUs online", SHUTDOWN_OK],
         forbid=["(apic id 2) online", "(apic id 3) online", "[panic]", "[trap]"],
         judge=ticks_judge(2)),
    cpus_bad(0),
    cpus_bad(65),
    Test("smp-ipi-4", "selftest=ipi at -smp 4: round trips, broadcast, typed refusals",
         boot(4, "selftest=ipi"),
         online(4) + [re.compile(rf"^\[smp\] selftest ipi: cpu {k} \(apic id {k}\) round "
                                 r"trip \d+ us$") for k in range(4)]
         + ["[smp] selftest ipi: ok: 4 round trips, broadcast to 3 other cpus answered, "
            "bad index and vector refused, ap stacks guarded", SHUTDOWN_OK]),
    Test("smp-ipi-1", "selftest=ipi on one CPU: self-IPI and refusals",
         boot(1, "selftest=ipi"),
         online(1) + ["[smp] selftest ipi: ok: 1 round trips, broadcast to 0 other cpus "
                      "answered, bad index and vector refused, ap stacks guarded", SHUTDOWN_OK]),
    Test("smp-oneshot", "selftest=oneshot: fires not before its deadline, alone, then "
         "periodic again", boot(2, "selftest=oneshot"),
         online(2) + [re.compile(r"^\[smp\] selftest oneshot: ok: fired \d+ us after its "
                                 r"deadline \(lapic count\), none before it, 1 interrupt in "
                                 r"60 ms, past deadline fired at once, periodic tick "
                                 r"resumed$"), SHUTDOWN_OK]),
    Test("smp-appanic", "selftest=appanic at -smp 4: AP panic stops all CPUs, report whole",
         boot(4, "selftest=appanic"),
         online(4) + ["[smp] selftest appanic: every cpu logs, cpu 1 panics after 40 lines",
                      "[panic] selftest appanic: cpu 1 panics on purpose",
                      "[panic] on cpu 1; 3 of 3 other cpus stopped",
                      "[panic] halting (status 0x11)"],
         forbid=[SHUTDOWN_OK, "[trap]", "selftest: error", CUT], status=EXIT_PANIC,
         judge=appanic_judge),
    Test("smp-appanic-1", "selftest=appanic on one CPU: typed refusal, exit 35",
         boot(1, "selftest=appanic"),
         online(1) + ["[smp] selftest: error: appanic needs 2 CPUs (CAPOS_ERR_SMP_NO_CPU)",
                      "[panic] selftest appanic: CAPOS_ERR_SMP_SELFTEST (-500)"],
         forbid=[SHUTDOWN_OK, "[trap]", "cpu 1 panics"], status=EXIT_PANIC),
]


# Each test is about the CPU count (or -smp string) its Boot names: bring-up of exactly
# those CPUs, the slots QEMU leaves absent, the IPI/one-shot self-tests at that count.
for _t in TESTS:
    _t.single = "a bring-up test of the -smp its Boot names"


if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
