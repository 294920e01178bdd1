#!/usr/bin/env python3
"""Capability-transfer boot test (docs/abi.md §8; kernel/cap/kcall.c, kernel/cap/xfer.c,
user/xfertest).

The focused manifest tests/qemu/xfer/xfer.capnp starts user/xfertest as init with
console and capmgr (kernel sources). CapabilityManager.derive takes a cap (descriptor 0)
and returns one (a result-cap record), so it carries every case through the real ring:
copy (both caps write), move (the moved id is CAP_STALE, the new one writes), hostile
descriptors with exact statuses and the table unchanged, a table filled to its quota
(derive answers CAP_TABLE_FULL, a move into it is refused whole, usage still answers),
a result buffer too small for the record (no cap inserted), and a revoke that
revokes a cap moved in the same CALL (the move still empties its slot). COM2 must hold exactly
the transcript below; the kernel must log exit 0, the free-frame count back at its
baseline and no revocation node left.

  xfer-boot   the whole transcript, exit 0, frames and revocation nodes back

CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, com2_exact, run_suite  # noqa: E402

MANIFEST = os.path.join(harness.BUILD, "tests", "qemu", "xfer", "xfer.manifest")
FORBID = CLEAN_FORBIDDEN + ["killed:"]

TRANSCRIPT = [
    "xfer: start",
    "xfer: copy: derive(console) ok",
    "xfer: copy: written through the received cap",
    "xfer: copy: the sender's console still writes",
    "xfer: move: derive(received cap, move) ok",
    "xfer: move: the moved id: CAPOS_ERR_CAP_STALE",
    "xfer: move: written through the moved-in cap",
    "xfer: hostile: reserved field set: CAPOS_ERR_XFER_RESERVED",
    "xfer: hostile: mode 2: CAPOS_ERR_XFER_BAD_MODE",
    "xfer: hostile: forged id (slot 200): CAPOS_ERR_CAP_BAD_ID",
    "xfer: hostile: the moved (stale) id: CAPOS_ERR_CAP_STALE",
    "xfer: hostile: one cap moved and copied: CAPOS_ERR_XFER_DUPLICATE",
    "xfer: hostile: 17 descriptors: CAPOS_ERR_XFER_TOO_MANY",
    "xfer: hostile: descriptors in the kernel half: CAPOS_ERR_XFER_FAULT",
    "xfer: hostile: descriptors on an unmapped page: CAPOS_ERR_XFER_FAULT",
    "xfer: hostile: a count without an address: CAPOS_ERR_RING_BAD_XFER",
    "xfer: hostile: caps in the table unchanged: yes",
    "xfer: hostile: the cap sent with every refused call still writes",
    "xfer: full: derived until CAPOS_ERR_CAP_TABLE_FULL; table full: yes",
    "xfer: full: move into the full table: CAPOS_ERR_CAP_TABLE_FULL",
    "xfer: full: the cap whose move was refused still writes",
    "xfer: full: released 61 derived caps: ok; back to 3 caps: yes",
    "xfer: short: derive into 16 bytes: CAPOS_ERR_RING_RESULT_TOO_SMALL, needs more; "
    "no cap inserted: yes",
    "xfer: revoke: revoke(console) moving a derived cap: ok, 2 revoked",
    "xfer: revoke: the moved derived cap: CAPOS_ERR_CAP_STALE",
    "xfer: revoke: the other derived cap: CAPOS_ERR_CAP_REVOKED",
    "xfer: revoke: the console itself still writes",
    "xfer: release the moved-in (revoked) cap: ok",
    "xfer: done, exiting 0",
]

BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")


TESTS = [
    Test("xfer-boot", "copy, move then CAP_STALE, hostile descriptors with exact errors "
         "and the table unchanged, full table refuses a move whole, short result buffer "
         "inserts nothing; exit 0, frames and revocation nodes back",
         Boot(mode="direct", mem="128M", modules=[MANIFEST]),
         [BANNER, re.compile(r'^\[init\] started "xfertest" \(pid 1\): .*, 2 caps, '),
          "[proc] xfertest pid 1 exited: code 0", "[init] exited with status 0", BASELINE,
          "[init] revocation nodes left: 0", SHUTDOWN_OK],
         FORBID, EXIT_CLEAN, com2_exact(TRANSCRIPT)),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
