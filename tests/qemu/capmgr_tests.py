#!/usr/bin/env python3
"""CapabilityManager boot test (kernel/cap/capmgr.c, user/capmgrtest).

The focused manifest tests/qemu/capmgr/capmgr.capnp starts user/capmgrtest as init with
console, capmgr (kernel source capabilityManager) and vm. The program lists its table,
pages it with listRange, reads its usage, runs the hostile twins (derive/revoke without
a cap, garbage params, method range, forged/empty/released ids, wrong interface, short
result buffer), then derives through the ring (the console sent as a COPY transfer
descriptor, the derived cap back as a result-cap record): writes through a derived
console, chains to depth 8 and one past it (CAP_DERIVE_DEPTH), revokes in the middle of
the chain (7) and at the source (1), gets CAP_REVOKED on the dead caps while the
original and the surviving ones write, derive/revoke of revoked, released and forged
caps, revoke of a cap never derived from (0), releases the revoked caps, keeps one
fresh derived cap for the teardown. Across processes (ProcessSpawner, user/capmgrchild):
a derived console granted to a child writes there; a second child holds a copy, the
parent's revoke at the console counts every holder (3), the parent's copy and the
child's both fail with CAP_REVOKED (the child polls until it sees it, so the order of
the two processes does not matter) and the child lists its own table through a copied
CapabilityManager; onwards: a child relays a fresh derived console to a grandchild and
exits, the parent's revoke counts its own and the grandchild's copy (2) and the
grandchild reports CAP_REVOKED. Last, the CapabilityManager is released. COM2 must hold
exactly the transcript below; the kernel must log exit 0, the free-frame count back at
its baseline and no revocation node left.

  capmgr-derive   the whole transcript, exit 0, frames, kernel objects, processes and
                  revocation nodes back at their baselines

CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, lines_differ, run_suite  # noqa: E402

MANIFEST = os.path.join(harness.BUILD, "tests", "qemu", "capmgr", "capmgr.manifest")
FORBID = CLEAN_FORBIDDEN + ["killed:"]

CONSOLE = "Console (0xddbeea169daec43e)"
CAPMGR = "CapabilityManager (0xf80a83dd2c8d9a5e)"
VM = "VirtualMemory (0x9e663ade39c6ae63)"
SPAWNER = "ProcessSpawner (0xdd8115a6cadf246e)"
FLAGS = "transferable yes revocable no revoked no depth 0"
EXC = "CAPOS_ERR_RING_EXCEPTION, exception invalidArgument (-1)"

def info(slot, iface, name="", revocable=False, revoked=False, depth=0):
    yn = {True: "yes", False: "no"}
    return (f'capmgr: list: slot {slot} gen 1 {iface} name "{name}" transferable yes '
            f"revocable {yn[revocable]} revoked {yn[revoked]} depth {depth}")


BASE = [info(0, CONSOLE, "console"), info(1, CAPMGR, "capmgr"), info(2, VM, "vm"),
        info(3, SPAWNER, "spawner")]
# The derived chain lands in slots 6..13: each derive CALL reserves one slot for its
# result cap before the handler (the hostile derives roll theirs back), and free slots
# are reused first-in first-out.
CHAIN = [info(6 + i, CONSOLE, revocable=True, depth=1 + i) for i in range(8)]
CHAIN_REVOKED = [info(6 + i, CONSOLE, revocable=True, revoked=True, depth=1 + i)
                 for i in range(1, 8)]


def usage(slots):
    return (f"capmgr: usage: cap slots {slots} of 64, frames charged within the quota of "
            "1024: yes, threads 1")



# The child polls its copy until the parent's revoke reaches it and then prints at once,
# so its four lines may come before the parent's report of that revoke (preemption, or
# another CPU: seen at -smp 4); the parent's line comes after its spawn line and before
# its next one all the same.
CROSS_SPAWNED = "capmgr: cross: spawn a child holding a copy: ok"
CROSS_REVOKE = ("capmgr: cross: revoke(console): ok, revoked 3 (the fresh derived cap, ours "
                "and the child's copy)")
CROSS_NEXT = "capmgr: cross: writeLine through our derived copy: CAPOS_ERR_CAP_REVOKED"

TRANSCRIPT = [
    "capmgr: start",
    "capmgr: list: 4 caps",
    *BASE,
    "capmgr: listRange from slot 1: 3 caps, nextSlot 4, more no",
    usage(4),
    f"capmgr: hostile: derive(null cap): {EXC}",
    f"capmgr: hostile: derive(cap 0, none sent): {EXC}",
    f"capmgr: hostile: revoke(cap 3, none sent): {EXC}",
    "capmgr: hostile: derive(garbage params): CAPOS_ERR_RING_MALFORMED_PARAMS",
    "capmgr: hostile: method 5: CAPOS_ERR_RING_METHOD_RANGE",
    "capmgr: hostile: list on a forged id (slot 200): CAPOS_ERR_CAP_BAD_ID",
    "capmgr: hostile: list on an empty slot (63): CAPOS_ERR_CAP_EMPTY",
    "capmgr: hostile: list on the console: CAPOS_ERR_CAP_WRONG_INTERFACE",
    "capmgr: hostile: list into 16 bytes: CAPOS_ERR_RING_RESULT_TOO_SMALL, needs more: yes",
    # the size reported is exact: need - 8 is still short with the same need, need fits
    "capmgr: hostile: list into need - 8 bytes: CAPOS_ERR_RING_RESULT_TOO_SMALL, same need: "
    "yes; into exactly need: CAPOS_OK, all of it: yes",
    "capmgr: derive(console): ok",
    "capmgr: this line went through the derived console",
    "capmgr: writeLine through the derived console: ok",
    "capmgr: derive chain to depth 8: ok",
    "capmgr: derive beyond depth 8: CAPOS_ERR_CAP_DERIVE_DEPTH",
    "capmgr: list: 12 caps",
    *BASE,
    *CHAIN,
    "capmgr: revoke(derived depth 1): ok, revoked 7",
    "capmgr: depth 1 still writes",
    "capmgr: writeLine through depth 1 (still valid): ok",
    "capmgr: writeLine through depth 2 (revoked): CAPOS_ERR_CAP_REVOKED",
    "capmgr: revoke(console): ok, revoked 1",
    "capmgr: writeLine through depth 1 (revoked): CAPOS_ERR_CAP_REVOKED",
    "capmgr: the original console still writes",
    "capmgr: writeLine through the console: ok",
    "capmgr: derive(revoked cap): CAPOS_ERR_CAP_REVOKED",
    "capmgr: revoke(revoked cap): CAPOS_ERR_CAP_REVOKED",
    "capmgr: revoke(console) again: ok, revoked 0",
    "capmgr: revoke(never derived from): ok, revoked 0",
    "capmgr: derive(released cap): CAPOS_ERR_CAP_STALE",
    "capmgr: derive(forged cap, slot 200): CAPOS_ERR_CAP_BAD_ID",
    "capmgr: list: 11 caps",
    *BASE,
    *CHAIN_REVOKED,
    "capmgr: release the revoked caps: ok",
    "capmgr: derive(console) after the revoke: ok",
    "capmgr: the fresh derived console writes",
    "capmgr: writeLine through the fresh derived console: ok",
    usage(5),
    "capmgr: cross: derive(console): ok",
    "capmgrchild: this line went through the derived console",
    "capmgr: cross: child with the derived console: ok, exit 0",
    "capmgr: cross: spawn a child holding a copy: ok",
    CROSS_REVOKE,
    "capmgrchild: derived console after the parent's revoke: CAPOS_ERR_CAP_REVOKED",
    'capmgrchild: list: "dcon" Console revocable yes revoked yes depth 1',
    'capmgrchild: list: "console" Console revocable no revoked no depth 0',
    'capmgrchild: list: "capmgr" CapabilityManager revocable no revoked no depth 0',
    "capmgr: cross: writeLine through our derived copy: CAPOS_ERR_CAP_REVOKED",
    "capmgr: cross: child exit: ok, 0",
    "capmgr: cross: release our revoked copy: ok",
    "capmgr: onwards: derive(console): ok",
    "capmgrchild: relayed the derived console to a grandchild: ok",
    "capmgr: onwards: relay child exit: ok, 0",
    "capmgr: onwards: revoke(console): ok, revoked 2 (ours and the grandchild's)",
    "capmgr: onwards: writeLine through our copy: CAPOS_ERR_CAP_REVOKED",
    "capmgr: onwards: release our revoked copy: ok",
    "capmgr: release capmgr: ok",
    "capmgr: hostile: list on the released id: CAPOS_ERR_CAP_STALE",
    "capmgr: done, exiting 0",
]

# The grandchild runs on its own after the revoke (nobody waits for it), so its line
# may land anywhere after the line printed just before the revoke call: it can even
# come before the parent's "revoke ... ok" (the grandchild runs between the revoke and
# the parent's report of it, by preemption or on another CPU); its CAP_REVOKED is the
# proof that the revoke came first. It must be there exactly once.
GRANDCHILD = ("capmgrchild (grandchild): relayed copy after the parent's revoke: "
              "CAPOS_ERR_CAP_REVOKED")
AFTER = "capmgr: onwards: relay child exit: ok, 0"

BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")


# Lines whose place is fixed only between two others (None: no later bound): each
# must be there exactly once, in its window; the rest must match in order.
FLOATING = [(GRANDCHILD, AFTER, None), (CROSS_REVOKE, CROSS_SPAWNED, CROSS_NEXT)]


def com2_exact(want):
    """COM2 (the user terminal) holds exactly these lines, in this order, except the
    FLOATING ones (the grandchild's, not in `want`, and the parent's cross revoke
    report), each once inside its window."""
    def judge(result):
        got = result.com2.splitlines()
        problems = []
        for line, after, before in FLOATING:
            where = [i for i, g in enumerate(got) if g == line]
            if len(where) != 1:
                return [f"line {len(where)} times, want once: {line!r}"]
            if after not in got or where[0] < got.index(after):
                problems.append(f"{line!r} before {after!r}")
            if before is not None and (before not in got or where[0] > got.index(before)):
                problems.append(f"{line!r} after {before!r}")
            del got[where[0]]
        return problems + lines_differ(got, [w for w in want if w != CROSS_REVOKE])
    return judge


def capmgr_boot(id, desc, transcript):
    boot = Boot(mode="direct", mem="128M")
    boot.modules = [MANIFEST]
    return Test(id, desc, boot,
                [BANNER, re.compile(r'^\[init\] started "capmgrtest" \(pid 1\): .*, 4 caps, '),
                 "[cap] capmgr object freed", "[proc] capmgrtest pid 1 exited: code 0",
                 "[init] exited with status 0", BASELINE,
                 re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$"),
                 "[init] revocation nodes left: 0",
                 SHUTDOWN_OK], FORBID, EXIT_CLEAN, com2_exact(transcript))


TESTS = [
    capmgr_boot("capmgr-derive", "CapabilityManager list/listRange/usage exact, derive and "
                "revoke through the ring (chain, depth bound, counts, CAP_REVOKED on use, "
                "original still valid), across processes (a child's copy and a grandchild's "
                "copy of a copy revoked too), "
                "hostile twins with exact errors; exit 0, frames, kernel objects and "
                "revocation nodes back", TRANSCRIPT),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
