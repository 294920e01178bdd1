#!/usr/bin/env python3
"""TLB shootdown (kernel/mm/tlb.c, vm_flush_page in kernel/proc/vm.c; docs/scheduler.md
"TLB shootdown").

Boots system/tests/tlb.capnp: init is user/tlbtest. Its reader thread loads a word of
an anonymous page in a loop (no system call) while the main thread unmaps the page and
then raises a flag; at -smp 2 and 4 the reader runs on another CPU (a new thread goes
to a halted CPU), so only a shootdown can take the page from that CPU's TLB.

  tlb-unmap  the reader faults at the unmapped page: the kernel kills tlbtest with a
             user read #PF (error 0x4) at exactly the page the main thread unmapped,
             the reader never prints STALE (a load after the unmap returned) and
             nothing else goes wrong; the boot ends with init killed (status 35, no
             panic), frames back at baseline.
  tlb-protect-flip
             Boots system/tests/protflip.capnp (init user/protflip): a reader
             thread loads an anonymous page (and 12 pages that evict it from a
             direct-mapped TLB, so its loads walk the tables) and a writer stores into them while allowed, as the
             main thread flips the range RW -> R -> RW 200 times through
             VirtualMemory.protect: no thread ever faults (a protect that left a
             page absent for an instant killed the reader with a read #PF), both
             made progress; then a write to the range made read-only faults as
             before: killed with a user write protection #PF (error 0x7) inside
             the range, frames back at baseline. Caveat: the old unmap-then-map
             protect was not caught in 5 runs at -smp 2/4 (its window is a few
             hundred guest instructions per flip); the host test
             kmem_paging:paging_protect_in_place proves the entry is never absent.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, EXIT_PANIC, Boot  # noqa: E402
from suite import Test, run_suite  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "tlb", "tlb.manifest")
PROTFLIP_MODULE = os.path.join(harness.BUILD, "tests", "qemu", "tlb", "protflip.manifest")
UNMAPPING = re.compile(r"^tlbtest: reader running; unmapping page (0x[0-9a-f]+)$")
KILLED = re.compile(r"^\[proc\] tlbtest pid 1 killed: #PF at rip 0x[0-9a-f]+ addr "
                    r"(0x[0-9a-f]+) \(error 0x4\)$")
FLIPPED = re.compile(r"^protflip: 400 flips of 1 pages at (0x[0-9a-f]+); reader [1-9]\d* "
                     r"loads, writer [1-9]\d* stores$")
WRITE_RO = re.compile(r"^protflip: writing read-only page (0x[0-9a-f]+)$")
KILLED_WRITE = re.compile(r"^\[proc\] protflip pid 1 killed: #PF at rip 0x[0-9a-f]+ addr "
                          r"(0x[0-9a-f]+) \(error 0x7\)$")
BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")


def fault_at_unmapped_page(result):
    """The #PF address lies in the page the main thread announced it unmapped."""
    page = addr = None
    for line in result.com2.splitlines():
        m = UNMAPPING.match(line)
        if m:
            page = int(m.group(1), 16)
    for _, line in result.com1:
        m = KILLED.match(line)
        if m:
            addr = int(m.group(1), 16)
    if page is None or addr is None:
        return [f"unmapped page {page}, fault address {addr}: one is missing"]
    if not page <= addr < page + 4096:
        return [f"fault at {addr:#x}, outside the unmapped page {page:#x}"]
    return []


def write_fault_at_page(result):
    """protflip reported its flips and both threads' progress (COM2), and the write
    #PF lies in the page it announced it writes."""
    if not any(FLIPPED.match(line) for line in result.com2.splitlines()):
        return ["no flips line with loads and stores on COM2"]
    page = next((int(m.group(1), 16) for m in map(WRITE_RO.match, result.com2.splitlines())
                 if m), None)
    addr = next((int(m.group(1), 16) for m in (KILLED_WRITE.match(line)
                                                 for _, line in result.com1) if m), None)
    if page is None or addr is None:
        return [f"written page {page}, fault address {addr}: one is missing"]
    if not page <= addr < page + 4096:
        return [f"fault at {addr:#x}, outside the written page {page:#x}"]
    return []


TESTS = [
    Test("tlb-unmap", "a page unmapped while another thread (another CPU at -smp 2/4) "
         "keeps loading it: the next load faults at that page, never a stale read",
         Boot(mode="direct", mem="128M", timeout=60, modules=[MODULE]),
         [BANNER, KILLED, "[init] exited with status -1", BASELINE],
         ["[panic]", "[trap]", "STALE", "wrong value"], status=EXIT_PANIC,
         judge=fault_at_unmapped_page),
    Test("tlb-protect-flip", "pages flipped RW -> R -> RW 200 times while other threads "
         "(other CPUs at -smp 2/4) read and write them: nobody faults; a write to the "
         "read-only range still faults",
         Boot(mode="direct", mem="128M", timeout=180, modules=[PROTFLIP_MODULE]),
         [BANNER, KILLED_WRITE, "[init] exited with status -1", BASELINE],
         ["[panic]", "[trap]", "FAIL", "error 0x4)", "error 0x6)"], status=EXIT_PANIC,
         judge=write_fault_at_page),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
