#!/usr/bin/env python3
"""MemoryObject and FrameAllocator (kernel/cap/memobj.c, framealloc.c; docs/resources.md).

Boots the focused manifest system/tests/memobj.capnp (at each CPU count): the real user/init runs
three services of user/memtest, each holding its own FrameAllocator.

  memobj-suite  one boot, judged from COM2 (each service's lines exactly, in order) and
                COM1:
                  memsrv   info (pages/size/contiguous/mappings), zero fill, one frame
                           seen through two mappings, a contiguous object; hostile:
                           W+X map and protect (VM_WX), no permission, past the object,
                           offset = pages, 0 pages, offset and pages overflow, misaligned
                           hint, hint in the image region and past the anonymous region,
                           explicit overlap with its own, another object's and anonymous
                           memory (MEMOBJ_OVERLAP), unmap/protect of another object's
                           mapping, inside a mapping, of an unmapped address
                           (MEMOBJ_NOT_MAPPED), VirtualMemory.unmap over object pages
                           (MM_NOT_MAPPED: not in its region table), a hint over a
                           VirtualMemory reservation (MEMOBJ_OVERLAP), a released cap (CAP_STALE) and a forged
                           one (CAP_BAD_ID); allocate 0 and 1025 pages (MEMOBJ_PAGES), past
                           the frame quota (QUOTA_FRAMES, plain and contiguous) and one page
                           after; 64 mappings at kernel-chosen addresses with guard pages,
                           the 65th MEMOBJ_TOO_MANY_MAPS; W^X across mappings of one
                           object (executable while writable elsewhere, and the reverse:
                           VM_WX; allowed once the other mapping is gone); unmap then map again keeps the
                           contents (the last mapping went before the cap); then it serves
                           the client and, after the client released its cap, still reads
                           the shared object through its own mapping
                  memcli   shares a 2-page object through the endpoint (each side sees the
                           other's bytes), releases its cap before its mapping, then 1,000
                           create/map/transfer/unmap/release cycles, copy and move
                           alternating (with move the server's release is the last
                           reference), then stop
                  memfault sends the server an object (kept and mapped there), maps it
                           twice, unmaps the first mapping and reads it: killed by a #PF at
                           that address (COM1), the second mapping and its cap dropped by
                           the kill; reaped with 1 frame still charged to its ledger
                           for the object the server holds, which the server reads, unmaps
                           and releases at the end; the kernel and the others go on
                and from COM1: both waited services exit 0, init exits 0, free frames and
                live kernel objects back at their pre-init baselines, no process left,
                clean shutdown.

CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from exec_tests import BASELINE, OBJECTS, com1_has, com2_graph, started  # noqa: E402
from suite import Test, all_of, run_suite  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "memobj", "memobj.manifest")
CYCLES = 1000
WINDOW = "0x500000000000"  # MEMOBJ_WINDOW_BASE: the first kernel-chosen address

INV, OVL, T = "invalidArgument", "overloaded", "transport"
# (what, status, where it surfaces: a transport status or the CapException type)
HOSTILE = [
    ("map W+X", "CAPOS_ERR_VM_WX", T),
    ("protect to W+X", "CAPOS_ERR_VM_WX", T),
    ("map no permission", "CAPOS_ERR_INVALID", INV),
    ("map past the object", "CAPOS_ERR_MEMOBJ_RANGE", INV),
    ("map at offset = pages", "CAPOS_ERR_MEMOBJ_RANGE", INV),
    ("map 0 pages", "CAPOS_ERR_MEMOBJ_RANGE", INV),
    ("offset overflow", "CAPOS_ERR_MEMOBJ_RANGE", INV),
    ("pages overflow", "CAPOS_ERR_MEMOBJ_RANGE", INV),
    ("misaligned hint", "CAPOS_ERR_ALIGNMENT", INV),
    ("hint in the image region", "CAPOS_ERR_OUT_OF_RANGE", INV),
    ("hint past the anonymous region", "CAPOS_ERR_OUT_OF_RANGE", INV),
    ("hint over its own mapping", "CAPOS_ERR_MEMOBJ_OVERLAP", INV),
    ("hint over another object's mapping", "CAPOS_ERR_MEMOBJ_OVERLAP", INV),
    ("unmap of another object's mapping", "CAPOS_ERR_MEMOBJ_NOT_MAPPED", INV),
    ("unmap inside a mapping", "CAPOS_ERR_MEMOBJ_NOT_MAPPED", INV),
    ("unmap of an unmapped address", "CAPOS_ERR_MEMOBJ_NOT_MAPPED", INV),
    ("protect of another object's mapping", "CAPOS_ERR_MEMOBJ_NOT_MAPPED", INV),
    ("VirtualMemory.unmap of object pages", "CAPOS_ERR_MM_NOT_MAPPED", "failed"),
    ("VirtualMemory.reserve over object pages", "CAPOS_ERR_VMR_OVERLAP", INV),
    ("hint over anonymous memory", "CAPOS_ERR_MEMOBJ_OVERLAP", INV),
    ("hint over a VirtualMemory reservation", "CAPOS_ERR_MEMOBJ_OVERLAP", INV),
]
STALE = [
    ("info on a released cap", "CAPOS_ERR_CAP_STALE", T),
    ("map through a released cap", "CAPOS_ERR_CAP_STALE", T),
    ("forged cap id", "CAPOS_ERR_CAP_BAD_ID", T),
]
# The ledger's quota codes are `overloaded` CapExceptions (kcall_extypes).
QUOTA_TYPE = OVL
QUOTA = [
    ("allocate 0 pages", "CAPOS_ERR_MEMOBJ_PAGES", INV),
    ("allocate 1025 pages", "CAPOS_ERR_MEMOBJ_PAGES", INV),
    ("allocate past the frame quota", "CAPOS_ERR_QUOTA_FRAMES", QUOTA_TYPE),
    ("contiguous past the frame quota", "CAPOS_ERR_QUOTA_FRAMES", QUOTA_TYPE),
]


def hostile(pairs):
    return [f"memsrv: hostile {what} -> {err} ({src})" for what, err, src in pairs]


SERVER = [
    "memsrv: info: pages 3 size 12288 contiguous 0 mappings 0, mapped twice: mappings 2",
    "memsrv: info: ok",
    "memsrv: fresh object reads zero: ok",
    "memsrv: a write through one mapping is seen through the other: ok",
    "memsrv: both unmapped, released: ok",
    "memsrv: contiguous: CAPOS_OK, pages 2 contiguous 1",
    "memsrv: contiguous: ok",
] + hostile(HOSTILE) + [
    "memsrv: VirtualMemory reservation beside them made and released: ok",
    "memsrv: anonymous page beside them mapped and unmapped: ok",
    "memsrv: hostile: mappings intact after the refusals: ok",
    "memsrv: released: ok",
] + hostile(STALE) + [
    f"memsrv: hostile map executable while mapped writable -> CAPOS_ERR_VM_WX ({T})",
    f"memsrv: hostile protect to writable while mapped executable -> CAPOS_ERR_VM_WX ({T})",
    "memsrv: read-only, then executable, then writable again once the executable one went: ok",
] + hostile(QUOTA) + [
    "memsrv: quota: one page still allocates: ok",
    "memsrv: maps: 64 mappings",
    f"memsrv: hostile mapping 65 -> CAPOS_ERR_MEMOBJ_TOO_MANY_MAPS ({OVL})",
    "memsrv: 64 mappings, guard pages between, one frame, all unmapped: ok",
    "memsrv: unmapped then mapped again: the contents stayed with the cap: ok",
    f"memsrv: served {CYCLES} cycles, 0 bad calls, stop: CAPOS_OK",
    "memsrv: served the client: ok",
    "memsrv: shared object still holds the client's bytes; unmapped and released: ok",
    "memsrv: the faulter's object outlived it; unmapped and released: ok",
    "memsrv: done, exiting 0",
]
CLIENT = [
    "memcli: share: CAPOS_OK; the server's bytes seen",
    "memcli: share: ok",
    "memcli: cap released, the mapping still reads the server's bytes: ok",
    f"memcli: churn: {CYCLES} cycles: CAPOS_OK",
    "memcli: churn: ok",
    "memcli: stop: ok",
]
WANT = [
    started("server", 2, 1),
    started("client", 3, 0),
    started("faulter", 4, 0),
    f"memfault: unmapped {WINDOW}, reading it",
] + SERVER + CLIENT + [
    'init: exec: service "server" exited 0',
    'init: exec: service "client" exited 0',
    'init: exec: service "faulter" was killed (stopped: the graph is done)',
    "init: exec: graph done: 3 services started, status 0",
    "init: done, exiting 0",
]


def at(line):
    return WANT.index(line)


# (earlier, later): the server's last solo step before the client's share answer (it
# RECVs only after them); the client's churn before the server's summary; each
# service's last line before init reports its end.
ORDER = [(at(SERVER[-6]), at(CLIENT[0])), (at(CLIENT[3]), at(SERVER[-5])),
         (at(SERVER[-1]), at('init: exec: service "server" exited 0')),
         (at(CLIENT[-1]), at('init: exec: service "client" exited 0'))]

TESTS = [
    Test("memobj-suite", "MemoryObject/FrameAllocator: info, sharing through an endpoint, "
         "W^X, hostile ranges/addresses/caps with exact errors, frame quota, mapping bound, "
         f"both release orders, unmap-then-touch kills, {CYCLES} transfer cycles; frames, "
         "kernel objects and processes back at baseline",
         Boot(mode="direct", mem="128M", timeout=120, modules=[MODULE]),
         [BANNER,
          re.compile(rf"^\[proc\] faulter pid 4 killed: #PF at rip 0x[0-9a-f]+ addr {WINDOW} "),
          # its object lives on in the server, still charged to its ledger
          re.compile(r"^\[proc\] faulter pid 4 reaped: .*, 1 in live memory objects, "
                     r"kernel bytes peak \d+$"),
          "[init] exited with status 0", BASELINE, OBJECTS,
          "[init] memory objects left: 0, object mappings 0", SHUTDOWN_OK],
         CLEAN_FORBIDDEN, EXIT_CLEAN,
         all_of(com2_graph("memobj", 3, 16, WANT, ORDER, MODULE),
                com1_has("[proc] server pid 2 exited: code 0 ",
                         "[proc] client pid 3 exited: code 0 "))),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
