#!/usr/bin/env python3
"""capOS platform boot tests (kplat): ACPI discovery, MADT CPU count, interrupt
controllers, timer calibration and the periodic tick, under QEMU TCG.

Each test boots once through tests/qemu/harness.py and checks, in order, the `[acpi]`,
`[apic]` and `[timer]` lines arch_platform_init() prints (formats: kernel/arch.h, kplat
block) plus the measured values: the LAPIC timer rate must be QEMU's 1 GHz APIC clock
divided by 16 (62.5 MHz) within 1%, the TSC a plausible 0.1-10 GHz, and the tick count at
least the 10 kmain waits for. Hostile twins: no ACPI at all (`-machine acpi=off`) and a
timer stopped on purpose (`selftest=deadtimer`) must each end in a clear `[panic]` line
and status 35, never a hang.

Output follows the test-driver contract (tests/run.py): `ok <id> - desc` or
`not ok <id> - reason`, commentary on `#` lines. CAPOS_BOOT_FILTER=substr runs a subset.
"""
import dataclasses
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402

QEMU_LAPIC_HZ = 62_500_000   # QEMU's APIC timer: 1 ns per tick, divide-by-16 programmed

RSDP_SCAN = re.compile(r"^\[acpi\] RSDP rev 0 at 0x[0-9a-f]+ \(bios scan\), RSDT at 0x[0-9a-f]+, \d+ tables")
RSDP_COPY_V1 = re.compile(r"^\[acpi\] RSDP rev 0 at boot loader copy, RSDT at 0x[0-9a-f]+, \d+ tables")
RSDP_COPY_V2 = re.compile(r"^\[acpi\] RSDP rev 2 at boot loader copy, XSDT at 0x[0-9a-f]+, \d+ tables")
APIC_UP = re.compile(r"^\[apic\] pic masked; lapic id 0 version 0x[0-9a-f]+ enabled")
IOAPIC_MASKED = re.compile(r"^\[apic\] ioapic id \d+ version 0x[0-9a-f]+: 24 pins masked")
CALIBRATED = re.compile(r"^\[timer\] lapic (\d+) Hz, tsc (\d+) MHz, calibrated against (hpet|pit)$")
TICKING = re.compile(r"^\[timer\] ticking: (\d+) ticks$")


def madt(cpus):
    ids = " ".join(str(i) for i in range(cpus))
    return re.compile(rf"^\[acpi\] MADT: {cpus} CPUs \(apic ids {ids}\), IOAPIC id 0 at "
                      rf"0xfec00000 gsi 0, \d+ overrides$")


def calibrated(ref):
    return re.compile(CALIBRATED.pattern.replace("(hpet|pit)", ref))


def clean(rsdp, cpus, ref):
    return [BANNER, rsdp, madt(cpus), APIC_UP, IOAPIC_MASKED, calibrated(ref), TICKING,
            SHUTDOWN_OK]


def check_values(result):
    """The calibrated rates and the tick count, read back from the log."""
    problems = []
    for _, line in result.com1:
        m = CALIBRATED.search(line)
        if m:
            lapic, tsc_mhz = int(m.group(1)), int(m.group(2))
            if abs(lapic - QEMU_LAPIC_HZ) > QEMU_LAPIC_HZ // 100:
                problems.append(f"lapic {lapic} Hz is not within 1% of {QEMU_LAPIC_HZ}")
            if not 100 <= tsc_mhz <= 10_000:
                problems.append(f"tsc {tsc_mhz} MHz implausible")
        m = TICKING.search(line)
        if m and int(m.group(1)) < 10:
            problems.append(f"only {m.group(1)} ticks")
    return problems


@dataclasses.dataclass
class Test:
    id: str
    desc: str
    boot: Boot
    expect: list
    forbid: list = dataclasses.field(default_factory=lambda: list(CLEAN_FORBIDDEN))
    status: int = EXIT_CLEAN
    values: bool = True


TESTS = [
    Test("platform-smp2-direct", "-smp 2, direct load: BIOS-scanned RSDP, MADT lists 2 CPUs, "
         "hpet calibration, ticks", Boot(mode="direct", smp=2), clean(RSDP_SCAN, 2, "hpet")),
    Test("platform-smp4-q35", "-smp 4 on q35: MADT lists 4 CPUs, hpet calibration, ticks",
         Boot(mode="direct", smp=4, extra=["-machine", "q35"]), clean(RSDP_SCAN, 4, "hpet")),
    Test("platform-hotplug-slots", "-smp 2,maxcpus=4: the 2 disabled MADT slots are counted "
         "as unusable, not as CPUs", Boot(mode="direct", smp="2,maxcpus=4"),
         clean(RSDP_SCAN, 2, "hpet")[:3]
         + [re.compile(r"^\[acpi\] MADT: lapic at 0xfee00000, 2 enabled, 2 unusable,")]
         + clean(RSDP_SCAN, 2, "hpet")[3:]),
    Test("platform-pit", "no HPET (-machine hpet=off): calibrated against the PIT, ticks",
         Boot(mode="direct", smp=2, extra=["-machine", "pc,hpet=off"]),
         clean(RSDP_SCAN, 2, "pit")[:5]
         + ["[timer] no usable hpet (CAPOS_ERR_ACPI_NO_TABLE); using the pit"]
         + clean(RSDP_SCAN, 2, "pit")[5:]),
    Test("platform-bios-iso", "GRUB ISO (SeaBIOS): ACPI 1.0 RSDP from the Multiboot2 copy",
         Boot(mode="bios", smp=2), clean(RSDP_COPY_V1, 2, "hpet")),
    Test("platform-uefi-iso", "GRUB ISO (OVMF): ACPI 2.0 RSDP copy, XSDT walk",
         Boot(mode="uefi", smp=2), clean(RSDP_COPY_V2, 2, "hpet")),
    Test("platform-no-acpi", "-machine acpi=off: clear 'no RSDP' panic, exit 35, no hang",
         Boot(mode="direct", extra=["-machine", "pc,acpi=off"]),
         [BANNER, "[acpi] no RSDP", re.compile(r"^\[panic\] platform bring-up failed: "
                                               r"CAPOS_ERR_ACPI_NO_TABLE")],
         forbid=[SHUTDOWN_OK, "[trap]"], status=EXIT_PANIC, values=False),
    Test("selftest-deadtimer", "selftest=deadtimer: the tick wait fails with a panic, no hang",
         Boot(mode="direct", cmdline="selftest=deadtimer"),
         [BANNER, calibrated("hpet"), "[timer] selftest: timer stopped",
          re.compile(r"^\[panic\] timer: CAPOS_ERR_TIMER_NO_TICKS after 0 ticks")],
         forbid=[SHUTDOWN_OK, "[trap]"], status=EXIT_PANIC, values=False),
]


def main():
    filt = os.environ.get("CAPOS_BOOT_FILTER", "")
    failed = 0
    for t in TESTS:
        if filt not in t.id:
            continue
        try:
            result = harness.run(t.boot, t.id)
        except FileNotFoundError as e:
            print(f"not ok {t.id} - {e}", flush=True)
            failed += 1
            continue
        problems = harness.check(result, t.expect, t.forbid, t.status)
        if t.values:
            problems += check_values(result)
        if not problems:
            print(f"ok {t.id} - {t.desc} ({result.elapsed:.2f}s)", flush=True)
            continue
        failed += 1
        print(f"not ok {t.id} - {problems[0]}", flush=True)
        for line in harness.describe_failure(result, problems):
            print(f"#   {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
