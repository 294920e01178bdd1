#!/usr/bin/env python3
"""VirtualMemory reservations boot test (kernel/proc/vmres.c, user/vmtest).

The focused manifest tests/qemu/vmres/vmres.capnp starts user/vmtest as init with
console, vm, capmgr and spawner. In its own space it reserves with kernel-chosen
addresses (the anonymous window's base, then right after it) and at an explicit hint
(kept exactly); commits, writes and reads; decommits (exactly the 4 frames come back,
CapabilityManager usage) and recommits (zero-filled again); runs the hostile twins with
their exact codes (overlapping hints for reserve and map, commit outside and across the
end of a reservation, of committed pages, W+X, over a guard page; guard over committed
pages and outside a reservation; decommit over a guard; protect of uncommitted pages);
unmaps a reservation (released: usage's virtualBytes down by exactly its 16 pages,
commit there refused, the range handed out again);
fills its region table to VMR_TOO_MANY and empties it. Then it spawns itself as
children: one touches its guard page and one reads its decommitted page (each killed by
a #PF at exactly that address), one runs under the "vmsmall" profile (64 KiB of address
space) into CAPOS_ERR_QUOTA_VIRTUAL for reserve and for map, one exits holding
reserved, committed and guard ranges; after them this process (the neighbour) still
reserves, commits, writes and reads. COM2 must hold exactly the transcript below; the
kernel must log both faults, exit 0, and free frames and kernel objects back at their
baselines once every process is gone.

  vmres-regions   the whole transcript, the two #PF kills at the guard and decommitted
                  addresses, exit 0, frames and kernel objects back at their baselines

CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, com2_exact, run_suite  # noqa: E402

MANIFEST = os.path.join(harness.BUILD, "tests", "qemu", "vmres", "vmres.manifest")


def ok(step):
    return f"vmtest: {step}: ok"


def yes(step):
    return f"vmtest: {step}: yes"


def err(step, code):
    return f"vmtest: {step}: CAPOS_ERR_{code}"


TRANSCRIPT = [
    "vmtest: start",
    ok("reserve 16 pages, kernel-chosen"),
    yes("the first at the anonymous window's base"),
    ok("reserve 4 pages, kernel-chosen"),
    yes("second placed right after the first"),
    ok("reserve 2 pages at an explicit hint"),
    yes("the explicit hint kept exactly"),
    ok("usage before commit"),
    ok("commit 4 pages rw"),
    yes("write and read back 4 committed pages"),
    ok("usage after commit"),
    ok("decommit the 4 pages"),
    ok("usage after decommit"),
    yes("decommit returned exactly 4 frames"),
    ok("decommit again (idempotent)"),
    ok("recommit the 4 pages"),
    yes("recommitted pages read zero-filled"),
    yes("and take writes again"),
    err("hostile: reserve over a reservation", "VMR_OVERLAP"),
    err("hostile: reserve straddling the explicit one", "VMR_OVERLAP"),
    err("hostile: map over a reservation", "VMR_OVERLAP"),
    err("hostile: commit outside any reservation", "VMR_NOT_RESERVED"),
    err("hostile: commit across a reservation's end", "VMR_NOT_RESERVED"),
    err("hostile: commit of committed pages", "VMR_COMMITTED"),
    err("hostile: commit W+X", "VM_WX"),
    ok("guard the last page"),
    err("hostile: commit over the guard page", "VMR_GUARD"),
    err("hostile: guard over committed pages", "VMR_COMMITTED"),
    err("hostile: guard outside any reservation", "VMR_NOT_RESERVED"),
    err("hostile: decommit over the guard page", "VMR_GUARD"),
    err("hostile: protect of reserved, uncommitted pages", "MM_NOT_MAPPED"),
    ok("protect a committed page read-only"),
    yes("a refused call changed nothing: committed pages intact"),
    ok("usage before unmap"),
    ok("unmap the whole 16-page reservation"),
    ok("usage after unmap"),
    yes("exactly 16 pages of address space came back"),
    err("hostile: commit in the released range", "VMR_NOT_RESERVED"),
    err("hostile: unmap it again", "MM_NOT_MAPPED"),
    ok("reserve 8 pages, kernel-chosen"),
    yes("the released range handed out again"),
    ok("unmap it"),
    err("one-page reservations until refused", "VMR_TOO_MANY"),
    yes("refused after at least 248 more"),
    ok("all of them unmapped"),
    ok("a reservation fits again"),
    ok("unmap it"),
    "vmtest child guard: touching the guard page",
    ok("child guard"),
    "vmtest: child guard ended: exit -1 killed yes",
    "vmtest child decommit: reading the decommitted page",
    ok("child decommit"),
    "vmtest: child decommit ended: exit -1 killed yes",
    "vmtest child quota: one-page reservations end with CAPOS_ERR_QUOTA_VIRTUAL, "
    "map CAPOS_ERR_QUOTA_VIRTUAL, after an unmap CAPOS_OK, unmap all CAPOS_OK",
    ok("child quota"),
    "vmtest: child quota ended: exit 0 killed no",
    "vmtest child exit: exiting with 12 committed pages and 68 reserved",
    ok("child exit"),
    "vmtest: child exit ended: exit 0 killed no",
    ok("neighbour: reserve after the kills"),
    ok("neighbour: commit"),
    yes("neighbour: write and read back"),
    ok("neighbour: unmap"),
    "vmtest: done, exiting 0",
]

# The guard child's reservation is the window's first range (2 pages, the guard page
# second); the decommit child's is its first page. Error 0x6: a user write to a
# not-present page; 0x4: a user read.
GUARD_PF = re.compile(r"^\[proc\] vmchild pid 2 killed: #PF at rip 0x[0-9a-f]+ "
                      r"addr 0x400000001000 \(error 0x6\)$")
DECOMMIT_PF = re.compile(r"^\[proc\] vmchild pid 3 killed: #PF at rip 0x[0-9a-f]+ "
                         r"addr 0x400000000000 \(error 0x4\)$")
BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")
OBJECTS = re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$")


def vmres_boot():
    boot = Boot(mode="direct", mem="128M")
    boot.modules = [MANIFEST]
    return Test("vmres-regions",
                "reserve/commit/decommit/guard/unmap with kernel-chosen and explicit "
                "addresses, hostile twins with exact codes, region table bound, guard and "
                "decommitted pages fault (children killed, neighbour fine), "
                "QUOTA_VIRTUAL for reserve and map, exit 0, frames and objects back at their baselines", boot,
                [BANNER, re.compile(r'^\[init\] started "vmtest" \(pid 1\): .*, 4 caps, '),
                 GUARD_PF, DECOMMIT_PF,
                 re.compile(r"^\[proc\] vmchild pid 4 exited: code 0 "),
                 re.compile(r"^\[proc\] vmchild pid 5 exited: code 0 "),
                 re.compile(r"^\[proc\] vmtest pid 1 exited: code 0 "),
                 "[init] exited with status 0", BASELINE, OBJECTS, SHUTDOWN_OK],
                CLEAN_FORBIDDEN, EXIT_CLEAN, com2_exact(TRANSCRIPT))


TESTS = [vmres_boot()]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
