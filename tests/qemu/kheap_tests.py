#!/usr/bin/env python3
"""Kernel self-protection boot tests (kernel/mm/kcharge.c, user/kheaptest).

The focused manifest tests/qemu/kheap/kheap.capnp starts user/kheaptest as init with a
console, a CapabilityManager, a ProcessSpawner and a raw Endpoint. It spawns itself as:
  - the hog (profile "hog": kernelBytes 160 KiB, 1024 cap slots): client facets of its
    own endpoint until the kernel-memory quota refuses with
    CAPOS_ERR_QUOTA_KERNEL_MEMORY (exact); derive (a CapException `overloaded` with that
    status) and a 1 KiB CALL (transport status) are refused the same way; after it
    releases 8 facets a facet and a derive succeed again; it then CALLs init with 128
    bytes of params (a charged record: over the 64-byte fast path) and is killed with
    that call in service: init's RETURN gets CAPOS_ERR_EP_CALL_CANCELLED, and the
    record, which kept the dead hog's ledger alive, gives its charge back then;
  - a neighbour (init's limits) that mints facets and derives while the hog sits at its
    quota; init does the same itself;
  - the lowmem child (profile "lowmem": more frames than the machine): VirtualMemory
    maps of 1 MiB, then 4 KiB, until the kernel reserve refuses with
    CAPOS_ERR_KERNEL_LOW_MEMORY; at the reserve a facet and a derive are refused with it
    too; unmapping 1 MiB makes room again; it exits and a last neighbour works.
COM2 must hold exactly the transcript; COM1 the hog's kill and reap, init's exit 0, and
frames, kernel objects and charged kernel blocks back at their baselines, with requests
refused both at the reserve and by the quota.

  kheap-32m       default reserve (256 frames) at -m 32M
  kheap-kreserve  -m 128M with kreserve=24000: the raised watermark strikes first
  kheap-kreserve-bad  kreserve=junk is a boot error (exit 35)

CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, com2_exact, run_suite  # noqa: E402

MANIFEST = os.path.join(harness.BUILD, "tests", "qemu", "kheap", "kheap.manifest")
QUOTA = "CAPOS_ERR_QUOTA_KERNEL_MEMORY"
LOW = "CAPOS_ERR_KERNEL_LOW_MEMORY"
NEIGHBOUR = "kheaptest: neighbour: 4 facets CAPOS_OK, derive CAPOS_OK"

TRANSCRIPT = [
    "kheaptest: start",
    f"kheaptest: hog: {QUOTA} after 100+ facets; derive: {QUOTA} (overloaded); "
    f"1 KiB call: {QUOTA}",
    "kheaptest: hog: 8 facets released: mint CAPOS_OK, derive CAPOS_OK",
    "kheaptest: hog spawned and at its quota: ok",
    NEIGHBOUR,
    "kheaptest: neighbour works beside it: ok",
    "kheaptest: init mints and derives beside it: ok",
    "kheaptest: hog killed: ok",
    "kheaptest: return to the dead hog's call: CAPOS_ERR_EP_CALL_CANCELLED",
    f"kheaptest: lowmem: some 1 MiB maps, then {LOW} (overloaded); some page maps, then {LOW}",
    f"kheaptest: lowmem: at the reserve: mint {LOW} (overloaded), derive {LOW}",
    "kheaptest: lowmem: 1 MiB unmapped (CAPOS_OK): mint CAPOS_OK",
    "kheaptest: lowmem child ran and exited: ok",
    NEIGHBOUR,
    "kheaptest: a neighbour works once memory is back: ok",
    "kheaptest: done, all passed",
]

CHARGED = re.compile(r"^\[init\] charged kernel blocks (\d+) \(baseline \1\), 0 bytes charged; "
                     r"refused ([1-9]\d*) at the reserve, ([1-9]\d*) by kernel-memory quotas$")


def kheap_boot(id, desc, mem, cmdline="", reserve_line=None):
    boot = Boot(mode="direct", mem=mem, cmdline=cmdline)
    boot.modules = [MANIFEST]
    expect = [BANNER] + ([reserve_line] if reserve_line else []) + [
        re.compile(r'^\[init\] started "kheaptest" \(pid 1\): .*, 4 caps, '),
        "[proc] hog pid 2 killed by its handle",
        re.compile(r"^\[proc\] hog pid 2 reaped: .*, kernel bytes peak 1[0-9]{5}$"),
        "[proc] kheaptest pid 1 exited: code 0",
        "[init] exited with status 0",
        re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$"),
        re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$"),
        "[init] revocation nodes left: 0",
        CHARGED,
        SHUTDOWN_OK]
    return Test(id, desc, boot, expect, CLEAN_FORBIDDEN + ["killed:"], EXIT_CLEAN,
                com2_exact(TRANSCRIPT))


TESTS = [
    kheap_boot("kheap-32m", "-m 32M: the hog gets CAPOS_ERR_QUOTA_KERNEL_MEMORY exactly, the "
               "neighbour and init keep working, the kill frees its charges (its in-service "
               "call too); the lowmem child gets CAPOS_ERR_KERNEL_LOW_MEMORY at the default "
               "reserve; frames, objects and charged blocks back at baseline", "32M"),
    kheap_boot("kheap-kreserve", "-m 128M kreserve=24000: the same transcript with the "
               "watermark raised from the command line", "128M", "kreserve=24000",
               "[mm] kernel reserve: 24000 frames (kreserve=)"),
    Test("kheap-kreserve-bad", "kreserve=junk: a boot error naming the knob, exit 35",
         Boot(mode="direct", cmdline="kreserve=junk"),
         [BANNER, "[mm] error: kreserve= not a frame count up to 1048576 (CAPOS_ERR_INVALID)"],
         [SHUTDOWN_OK, "[panic]"], EXIT_PANIC),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
