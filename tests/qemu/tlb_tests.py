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
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, EXIT_PANIC, Boot  # noqa: E402
from suite import Test, run_suite  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "tlb", "tlb.manifest")
UNMAPPING = re.compile(r"^tlbtest: reader running; unmapping page (0x[0-9a-f]+)$")
KILLED = re.compile(r"^\[proc\] tlbtest pid 1 killed: #PF at rip 0x[0-9a-f]+ addr "
                    r"(0x[0-9a-f]+) \(error 0x4\)$")
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


TESTS = [
    Test("tlb-unmap", "a page unmapped while another thread (another CPU at -smp 2/4) "
         "keeps loading it: the next load faults at that page, never a stale read",
         Boot(mode="direct", mem="128M", timeout=60, modules=[MODULE]),
         [BANNER, KILLED, "[init] exited with status -1", BASELINE],
         ["[panic]", "[trap]", "STALE", "wrong value"], status=EXIT_PANIC,
         judge=fault_at_unmapped_page),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
