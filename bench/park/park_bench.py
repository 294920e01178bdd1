#!/usr/bin/env python3
"""PARK/UNPARK round trip between two processes, in guest instructions, under QEMU TCG
with `-icount shift=0,sleep=off` (the guest TSC counts guest instructions; -smp 1).

Boots build/capos.elf with the module of system/tests/parkbench.capnp: user/parkbench
and a user/syncpeer ("pong") share a MemoryObject through their SharedParkSpaces and
play 2000 rounds of ping-pong after 100 warm-up rounds; each round is two PARK/UNPARK
hand-overs (store, UNPARK, PARK until answered; two context switches), once with
separate UNPARK and PARK calls and once with both in one cap_enter
(capos_unpark_then_park: direct handoff). Also reports
uncontended capos_mutex lock+unlock pairs (no kernel entry). Deterministic under
icount. Not part of `make test`: `make bench-park`.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "qemu"))
import harness  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "parkbench", "parkbench.manifest")
ROUND = re.compile(r"round trips between two processes: (\d+) TSC ticks per round trip")
BATCH = re.compile(r"in one cap_enter: (\d+) TSC ticks per round trip")
PAIR = re.compile(r"lock\+unlock pairs: (\d+) TSC ticks per pair")


def figures(extra, name):
    boot = harness.Boot(mode="direct", modules=[MODULE], extra=extra, timeout=300)
    result = harness.run(boot, name)
    found = [x.search(result.com2) for x in (ROUND, BATCH, PAIR)]
    if result.status != harness.EXIT_CLEAN or not all(found):
        raise SystemExit(f"parkbench boot failed (status {result.status}); see "
                         f"{result.com2_path}")
    return [int(m.group(1)) for m in found]


def main():
    rt, batched, pair = figures(["-icount", "shift=0,sleep=off"], "bench-park-icount")
    print(f"PARK/UNPARK round trip between two processes: {rt} guest instructions "
          f"(-icount shift=0, -smp 1; two hand-overs, two context switches)")
    print(f"  with UNPARK+PARK in one cap_enter (direct handoff): {batched} guest "
          f"instructions")
    print(f"uncontended capos_mutex lock+unlock: {pair} guest instructions per pair")
    return 0


if __name__ == "__main__":
    sys.exit(main())
