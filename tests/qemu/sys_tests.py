#!/usr/bin/env python3
"""EntropySource, SystemStatus and SystemControl (kernel/cap/entropy.c, sysstatus.c,
sysctl.c; backends kernel/proc/ksys.c; the CSPRNG kernel/rng/krng.c; docs/entropy.md).

Boots the focused manifest system/tests/sys.capnp: init is user/systest, holding a
Console, an EntropySource, a SystemStatus, a SystemControl and a ProcessSpawner.

  sys-suite      one boot (-m 128M) per CPU count n of the axis (suite.py: -smp 1, 2
                 and 4), judged from COM2 line by line and COM1:
                   entropy    the DRBG's known-answer test passed at boot, seeded from
                              >= 256 credited bits; getBytes(32) twice differ;
                              getBytes(256) and (1) served
                   hostile    getBytes(0), (257), (2^32-1): CAPOS_ERR_ENTROPY_COUNT
                              (invalidArgument); a stale id: CAPOS_ERR_CAP_STALE; through
                              the SystemStatus cap: CAPOS_ERR_CAP_WRONG_INTERFACE
                   reseed     300 x 256 bytes served, COM1 shows reseed 1
                   summary    version 0.1.0, the manifest's motd, cpus n online of n
                              present (-smp n: every AP started), usable memory in
                              (96, 128] MiB, 0 < free
                              < usable, processes 1, uptime grows
                   no-control the child without SystemControl finds none and its 256
                              forged shutdowns are all refused by the ring
                   shutdown   shutdown(0) by systest: logged on COM1, QEMU status 33
  sys-two-boots  the same boot twice: the entropy samples differ between boots
  sys-bad-switch entropy=nhw (a typo): a boot error naming the switch, status 35, no panic
  sys-unseeded   entropy=nohw: not seeded; getBytes -> CAPOS_ERR_ENTROPY_UNSEEDED
                 (failed) twice, count checks still answer, summary still served; then
                 shutdown(3): logged, QEMU status 35 (the failure status), no panic
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, EXIT_PANIC, Boot  # noqa: E402
from suite import PerSmp, Test, ToolTest, run_suite, smp_id  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "sys", "sys.manifest")
MOTD = "capOS sys test: hello, operator"
MIB = 1 << 20

KAT = "[entropy] self-test: HMAC-DRBG SHA-256 NIST CAVP vector (no reseed, COUNT 0) ok"
SEEDED = re.compile(r"^\[entropy\] seeded: (\d+) bits credited in \d+ rounds")
RESEED = re.compile(r"^\[entropy\] reseed 1 after \d+ bytes: (\d+) bits credited")
SAMPLE = re.compile(r"^systest: entropy sample ([0-9a-f]{64})$")
SUMMARY = re.compile(r"^systest: summary -> CAPOS_OK: version (\S+) cpus (\d+) present (\d+) "
                     r"memory (\d+) free (\d+) processes (\d+)$")
NO_SHUTDOWN_BY_CHILD = "[sys] shutdown requested by noctl"


def ok(what):
    return f"systest: {what}: ok"


HOSTILE = [
    ok("hostile getBytes(0) -> CAPOS_ERR_ENTROPY_COUNT (invalidArgument)"),
    ok("hostile getBytes(257) -> CAPOS_ERR_ENTROPY_COUNT (invalidArgument)"),
    ok("hostile getBytes(2^32-1) -> CAPOS_ERR_ENTROPY_COUNT (invalidArgument)"),
    ok("hostile getBytes(32) on a stale entropy cap id -> CAPOS_ERR_CAP_STALE (transport)"),
    ok("hostile getBytes(32) through the SystemStatus cap -> CAPOS_ERR_CAP_WRONG_INTERFACE "
       "(transport)"),
]

SEEDED_COM2 = [
    "systest: start (pid 1)",
    SAMPLE,
    ok("getBytes(32) twice: 32 bytes each, different"),
    ok("getBytes(256) -> 256 bytes, getBytes(1) -> 1 byte"),
    *HOSTILE,
    "systest: reseed: 300 of 300 getBytes(256) served",
    ok("reseed"),
    SUMMARY,
    f'systest: summary motd "{MOTD}"',
    ok("summary twice: uptime grows"),
    'systest: noctl: "control" lookup -> CAPOS_ERR_NOT_FOUND; 256 of 256 forged shutdowns '
    "refused by the ring",
    "systest: child noctl (no SystemControl) -> CAPOS_OK, exit code 0",
    ok("no-control"),
    "systest: shutdown(0)",
]

UNSEEDED_COM2 = [
    "systest: start (pid 1)",
    "systest: getBytes(32) -> CAPOS_ERR_ENTROPY_UNSEEDED (failed)",
    ok("unseeded getBytes(32) again -> CAPOS_ERR_ENTROPY_UNSEEDED (failed)"),
    *HOSTILE,
    ok("unseeded: summary still served"),
    "systest: shutdown(3)",
]


def com2_lines(want):
    """Judge: COM2 holds exactly these lines (a str matches exactly, a compiled pattern
    must match the whole line)."""
    def judge(result):
        got = result.com2.splitlines()
        problems = []
        for i in range(max(len(got), len(want))):
            g = got[i] if i < len(got) else "<missing>"
            w = want[i] if i < len(want) else "<nothing more>"
            good = w.fullmatch(g) if isinstance(w, re.Pattern) else g == w
            if not good:
                shown = w.pattern if isinstance(w, re.Pattern) else w
                problems.append(f"COM2 line {i + 1}: got {g[:120]!r}, want {shown[:120]!r}")
        return problems[:8]
    return judge


def com1_first(result, pattern):
    for _, line in result.com1:
        m = pattern.match(line.strip())
        if m:
            return m
    return None


# CPUs SystemStatus reports online at -smp n: the bootstrap processor alone, as long as
# the kernel leaves the application processors in the firmware (no AP bring-up yet).
def cpus_online(n):
    return n  # every CPU QEMU lists comes online (docs/smp.md)


def seeded_judge(n):
    """Judge at -smp n: COM2 transcript, then the figures: credit, reseed, summary vs
    -m 128M and -smp n."""
    return lambda result: seeded_figures(result, n)


def seeded_figures(result, n):
    problems = com2_lines(SEEDED_COM2)(result)
    if problems:
        return problems
    seeded, reseed = com1_first(result, SEEDED), com1_first(result, RESEED)
    if seeded is None or int(seeded.group(1)) < 256:
        problems.append("no [entropy] seeded line with >= 256 bits")
    if reseed is None:
        problems.append("no [entropy] reseed 1 line")
    m = next(SUMMARY.match(line) for line in result.com2.splitlines() if SUMMARY.match(line))
    version, cpus, present, memory, free, procs = m.groups()
    memory, free = int(memory), int(free)
    if version != "0.1.0":
        problems.append(f"version {version}, want 0.1.0 (kernel/include/kernel/version.h)")
    if (int(cpus), int(present)) != (cpus_online(n), n):
        problems.append(f"cpus {cpus} present {present}, want {cpus_online(n)} online of {n} "
                        f"(-smp {n})")
    if not 96 * MIB < memory <= 128 * MIB:
        problems.append(f"usable memory {memory} not in (96, 128] MiB for -m 128M")
    if not 0 < free < memory:
        problems.append(f"free {free} not in (0, usable {memory})")
    if int(procs) != 1:
        problems.append(f"processes {procs}, want 1 (systest alone)")
    return problems


def sys_boot(cmdline="", smp=1):
    return Boot(mode="direct", mem="128M", smp=smp, timeout=90, modules=[MODULE],
                cmdline=cmdline)


SHUTDOWN_0 = "[sys] shutdown requested by systest (pid 1), code 0"
SHUTDOWN_3 = "[sys] shutdown requested by systest (pid 1), code 3"
FORBID = CLEAN_FORBIDDEN + [NO_SHUTDOWN_BY_CHILD, "[boot] shutdown: ok"]


def two_boots(smp):
    """Boots sys-suite's manifest twice at -smp smp; the samples must differ (and both
    pass)."""
    samples, out = [], []
    for i in (1, 2):
        result = harness.run(sys_boot(smp=smp), smp_id(f"sys-two-boots-{i}", smp))
        problems = harness.check(result, [BANNER, KAT, SHUTDOWN_0], FORBID, EXIT_CLEAN)
        got = [SAMPLE.match(line) for line in result.com2.splitlines()]
        got = [m.group(1) for m in got if m]
        out.append(f"boot {i}: status {result.status}, samples {got}")
        if problems or len(got) != 1:
            return [f"boot {i}: " + (problems[0] if problems else "no entropy sample")], \
                "\n".join(out)
        samples.append(got[0])
    return ([] if samples[0] != samples[1] else ["both boots gave the same sample"]), \
        "\n".join(out)


TESTS = [
    Test("sys-suite", "EntropySource (KAT, seeding, distinct bytes, count/stale/interface "
         "hostile twins, reseed), SystemStatus figures vs -m/-smp and the motd, a child "
         "without SystemControl refused, shutdown(0) exits 33",
         sys_boot(),
         [BANNER, KAT, SEEDED, RESEED, "[proc] noctl pid 2 exited: code 0", SHUTDOWN_0],
         FORBID, EXIT_CLEAN, PerSmp(seeded_judge)),
    ToolTest("sys-two-boots", "two boots give different entropy samples", two_boots),
    Test("sys-unseeded", "entropy=nohw: never seeded, getBytes refused with "
         "CAPOS_ERR_ENTROPY_UNSEEDED (failed), the kernel keeps serving; shutdown(3) exits 35",
         sys_boot("entropy=nohw"),
         [BANNER, KAT, "[entropy] not seeded: 0 bits credited", SHUTDOWN_3],
         FORBID, EXIT_PANIC, com2_lines(UNSEEDED_COM2)),
    Test("sys-bad-switch", "entropy=nhw is a boot error, not a silently ignored typo",
         sys_boot("entropy=nhw"),
         [BANNER, "[entropy] error: unknown entropy= value (known: nohw)"],
         ["[panic]", "[trap]", "[sys] shutdown requested", "[init] started"], EXIT_PANIC),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
