#!/usr/bin/env python3
"""capOS platform boot tests (kplat): ACPI discovery, MADT CPU count, interrupt
controllers, timer calibration and the periodic tick, under QEMU TCG.

Each test boots once through tests/qemu/harness.py and checks, in order, the `[acpi]`,
`[apic]` and `[timer]` lines arch_platform_init() prints (formats: kernel/arch.h, kplat
block) plus the measured values: the LAPIC timer rate must be QEMU's 1 GHz APIC clock
divided by 16 (62.5 MHz) within 1%, the TSC a plausible 0.1-10 GHz, and the tick count at
least the 10 kmain waits for. Hostile twins: no ACPI at all (`-machine acpi=off`) and a
timer stopped on purpose (`selftest=deadtimer`) must each end in a clear `[panic]` line
and status 35, never a hang; deadtimer first runs with interrupts off for 3 tick periods,
so a tick is always latched in the LAPIC when the timer stops, and the stopped timer must
not count it ("after 0 ticks": a counted stale tick once let the wait halt forever on a
busy host). The UEFI path (ACPI 2.0 RSDP copy, XSDT walk) is checked by
boot_tests.py's `boot-uefi`, the one UEFI test of all suites. Every test runs at -smp 1,
2 and 4 (suite.py's CPU-count axis): the MADT must list exactly the CPUs QEMU was given
(apic ids 0..n-1), and the hot-plug test gives QEMU two more slots than CPUs at each count.

Output follows the test-driver contract (tests/run.py): `ok <id> - desc` or
`not ok <id> - reason`, commentary on `#` lines. CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BANNER, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402
from suite import (APIC_UP, IOAPIC_MASKED, MADT_CPUS_FULL, RSDP_COPY_V1,  # noqa: E402
                   RSDP_SCAN, TICKING, PerSmp, Test, calibrated, run_suite, timer_judge)


def clean(rsdp, ref):
    """Markers of a clean platform bring-up, in order (the MADT line names the CPUs of the
    count under test)."""
    return [BANNER, rsdp, MADT_CPUS_FULL, APIC_UP, IOAPIC_MASKED, calibrated(ref),
            TICKING, SHUTDOWN_OK]


def platform_test(id, desc, boot, expect):
    """A clean boot whose calibrated rates and tick count are checked (timer_judge)."""
    return Test(id, desc, boot, expect, judge=timer_judge)


HPET = clean(RSDP_SCAN, "hpet")
PIT = clean(RSDP_SCAN, "pit")
# The MADT's lapic summary with the two hot-plug slots QEMU adds beyond the n CPUs.
HOTPLUG_SLOTS = PerSmp(lambda n: re.compile(
    rf"^\[acpi\] MADT: lapic at 0xfee00000, {n} enabled, 2 unusable,"))

TESTS = [
    platform_test("platform-direct", "direct load: BIOS-scanned RSDP, MADT lists exactly the "
                  "CPUs QEMU was given, hpet calibration, ticks", Boot(mode="direct"), HPET),
    platform_test("platform-q35", "q35: MADT lists exactly the CPUs QEMU was given, hpet "
                  "calibration, ticks", Boot(mode="direct", extra=["-machine", "q35"]), HPET),
    platform_test("platform-hotplug-slots", "-smp n,maxcpus=n+2: the 2 disabled MADT slots "
                  "are counted as unusable, not as CPUs",
                  Boot(mode="direct", smp=PerSmp(lambda n: f"{n},maxcpus={n + 2}")),
                  HPET[:3] + [HOTPLUG_SLOTS] + HPET[3:]),
    platform_test("platform-pit", "no HPET (-machine hpet=off): calibrated against the PIT, "
                  "ticks", Boot(mode="direct", extra=["-machine", "pc,hpet=off"]),
                  PIT[:5]
                  + ["[timer] no usable hpet (CAPOS_ERR_ACPI_NO_TABLE); using the pit"]
                  + PIT[5:]),
    platform_test("platform-bios-iso", "GRUB ISO (SeaBIOS): ACPI 1.0 RSDP from the Multiboot2 "
                  "copy", Boot(mode="bios"), clean(RSDP_COPY_V1, "hpet")),
    Test("platform-no-acpi", "-machine acpi=off: clear 'no RSDP' panic, exit 35, no hang",
         Boot(mode="direct", extra=["-machine", "pc,acpi=off"]),
         [BANNER, "[acpi] no RSDP", re.compile(r"^\[panic\] platform bring-up failed: "
                                               r"CAPOS_ERR_ACPI_NO_TABLE")],
         forbid=[SHUTDOWN_OK, "[trap]"], status=EXIT_PANIC),
    Test("selftest-deadtimer", "selftest=deadtimer: the tick wait fails with a panic, no hang",
         Boot(mode="direct", cmdline="selftest=deadtimer"),
         [BANNER, calibrated("hpet"), "[timer] selftest: timer stopped",
          re.compile(r"^\[panic\] timer: CAPOS_ERR_TIMER_NO_TICKS after 0 ticks")],
         forbid=[SHUTDOWN_OK, "[trap]"], status=EXIT_PANIC),
]


if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
