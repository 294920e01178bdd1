#!/usr/bin/env python3
"""CapabilityManager boot test (kernel/cap/capmgr.c, user/capmgrtest).

The focused manifest tests/qemu/capmgr/capmgr.capnp starts user/capmgrtest as init with
console, capmgr (kernel source capabilityManager) and vm. The program lists its table,
pages it with listRange, reads its usage, runs the hostile twins (derive/revoke without
a cap, garbage params, method range, forged/empty/released ids, wrong interface, short
result buffer) and releases its CapabilityManager; COM2 must hold exactly the
transcript below. The kernel must log exit 0, the free-frame count back at its
baseline and no revocation node left.

  capmgr-list   the whole transcript, exit 0, frames and revocation nodes back

CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, run_suite  # noqa: E402

MANIFEST = os.path.join(harness.BUILD, "tests", "qemu", "capmgr", "capmgr.manifest")
FORBID = CLEAN_FORBIDDEN + ["killed:"]

CONSOLE = "Console (0xddbeea169daec43e)"
CAPMGR = "CapabilityManager (0xf80a83dd2c8d9a5e)"
VM = "VirtualMemory (0x9e663ade39c6ae63)"
FLAGS = "transferable yes revocable no revoked no depth 0"
EXC = "CAPOS_ERR_RING_EXCEPTION, exception invalidArgument (-1)"

TRANSCRIPT = [
    "capmgr: start",
    "capmgr: list: 3 caps",
    f'capmgr: list: slot 0 gen 1 {CONSOLE} name "console" {FLAGS}',
    f'capmgr: list: slot 1 gen 1 {CAPMGR} name "capmgr" {FLAGS}',
    f'capmgr: list: slot 2 gen 1 {VM} name "vm" {FLAGS}',
    "capmgr: listRange from slot 1: 2 caps, nextSlot 3, more no",
    "capmgr: usage: cap slots 3 of 64, frames charged within the quota of 1024: yes, "
    "threads 1",
    f"capmgr: hostile: derive(null cap): {EXC}",
    f"capmgr: hostile: derive(cap 0, none sent): {EXC}",
    f"capmgr: hostile: revoke(cap 3, none sent): {EXC}",
    "capmgr: hostile: derive(garbage params): CAPOS_ERR_RING_MALFORMED_PARAMS",
    "capmgr: hostile: method 5: CAPOS_ERR_RING_METHOD_RANGE",
    "capmgr: hostile: list on a forged id (slot 200): CAPOS_ERR_CAP_BAD_ID",
    "capmgr: hostile: list on an empty slot (63): CAPOS_ERR_CAP_EMPTY",
    "capmgr: hostile: list on the console: CAPOS_ERR_CAP_WRONG_INTERFACE",
    "capmgr: hostile: list into 16 bytes: CAPOS_ERR_RING_RESULT_TOO_SMALL, needs more: yes",
    "capmgr: release capmgr: ok",
    "capmgr: hostile: list on the released id: CAPOS_ERR_CAP_STALE",
    "capmgr: done, exiting 0",
]

BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")


def com2_exact(want):
    """COM2 (the user terminal) holds exactly these lines, in this order."""
    def judge(result):
        got = result.com2.splitlines()
        problems = []
        for i in range(max(len(got), len(want))):
            g = got[i] if i < len(got) else "<missing>"
            w = want[i] if i < len(want) else "<nothing more>"
            if g != w:
                problems.append(f"COM2 line {i + 1}: got {g[:120]!r}, want {w[:120]!r}")
        return problems
    return judge


def capmgr_boot(id, desc, transcript):
    boot = Boot(mode="direct", mem="128M")
    boot.modules = [MANIFEST]
    return Test(id, desc, boot,
                [BANNER, re.compile(r'^\[init\] started "capmgrtest" \(pid 1\): .*, 3 caps, '),
                 "[cap] capmgr object freed", "[proc] capmgrtest pid 1 exited: code 0",
                 "[init] exited with status 0", BASELINE, "[init] revocation nodes left: 0",
                 SHUTDOWN_OK], FORBID, EXIT_CLEAN, com2_exact(transcript))


TESTS = [
    capmgr_boot("capmgr-list", "CapabilityManager list/listRange/usage exact, hostile twins "
                "with exact errors, release; exit 0, frames and revocation nodes back",
                TRANSCRIPT),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
