#!/usr/bin/env python3
"""ProcessSpawner / ProcessHandle (kernel/cap/spawner.c; docs/spawn.md).

Boots the focused manifest system/spawntest.capnp: init is user/spawntest, holding a
ProcessSpawner, a Console and two Timers; user/spawnchild is packaged beside it.

  spawn-suite  one boot (-smp 1) running every step of user/spawntest, judged from its
               COM2 transcript line by line:
                 print    a child granted a fresh Console prints and exits 42
                 copy     a held Timer copied: the child uses it, the parent still can
                 move     a held Timer moved: the child uses it, the parent's id is stale
                 kill     a spinning child killed: (-1, killed); kill twice and after
                          the end both succeed
                 fault    a child killed by a #PF: wait says (-1, killed)
                 wait-busy  two waits in one batch: the second CAPOS_ERR_SPAWN_WAIT_BUSY,
                          the first (deferred) completes when the child is killed
                 export   an `endpoint` grant: its facet comes back in exports, the child
                          serves a CALL through it, after the child's end it answers
                          disconnected
                 facet    a clientFacet of the parent's raw endpoint (badge 7, granted as
                          Console): the child calls, the parent RECVs and RETURNs
                 orphan-wait  a middle child (its own ProcessSpawner) killed while its
                          wait on a napping grandchild is pending: COM1 shows the wait
                          cancelled, the grandchild exiting 46 on its own later, then
                          the middle's spawner released (the grandchild's handle held it)
                 hostile  unknown binary, duplicate names, forged index, stale cap,
                          33 grants, name too long, bad modes, bootPackage source,
                          facet/endpoint interface ids, 5 exports, named profile, unused
                          sent cap, a ProcessHandle sent: each its exact typed error,
                          and the next child's pid shows nothing was created
                 profiles named ResourceProfiles of the manifest: "tiny" (2 cap slots)
                          with 3 grants -> CAP_TABLE_FULL, "starved" (16 frames) ->
                          NO_MEMORY at load, "roomy" runs the child
                 quota    16 live children, the 17th CAPOS_ERR_SPAWN_CHILD_QUOTA
                 churn    1,000 children, alternately exiting 42 and killed
               and from COM1: init exits 0, free frames and live kernel objects back at
               their pre-init baselines, no process left, clean shutdown; the churn's
               wall time is reported.

CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, all_of, com2_exact, run_suite  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "spawn", "spawntest.manifest")
CHURN = 1000

HOSTILE = [
    ("unknown binary", "CAPOS_ERR_SPAWN_UNKNOWN_BINARY"),
    ("duplicate grant names", "CAPOS_ERR_SPAWN_DUPLICATE_GRANT"),
    ("forged held index", "CAPOS_ERR_SPAWN_NOT_HELD"),
    ("stale cap (moved away)", "CAPOS_ERR_CAP_STALE"),
    ("33 grants", "CAPOS_ERR_SPAWN_TOO_MANY_GRANTS"),
    ("name too long", "CAPOS_ERR_SPAWN_NAME"),
    ("kernel source moved", "CAPOS_ERR_SPAWN_BAD_MODE"),
    ("clientFacet of a timer", "CAPOS_ERR_SPAWN_BAD_MODE"),
    ("bootPackage source", "CAPOS_ERR_SPAWN_BAD_SOURCE"),
    ("endpoint without interfaceId", "CAPOS_ERR_SPAWN_FACET_INTERFACE"),
    ("facet granted as Endpoint", "CAPOS_ERR_SPAWN_FACET_INTERFACE"),
    ("5 endpoint grants", "CAPOS_ERR_SPAWN_TOO_MANY_EXPORTS"),
    ("named profile", "CAPOS_ERR_SPAWN_PROFILE"),
    ("sent cap named by no grant", "CAPOS_ERR_SPAWN_CAP_UNUSED"),
]

# pids: spawntest is 1; child-a 2, child-copy 3, child-move 4, spinner 5, faulter 6,
# waited 7, server 8, client 9, middle 10, its grandchild 11; the hostile requests
# create nothing, so after-hostile is 12.
TRANSCRIPT = [
    "spawntest: start (pid 1)",
    "spawnchild: hello from pid 2",
    "spawntest: print: child pid 2 exited 42",
    "spawntest: print: ok",
    "spawntest: copy: child used the copied timer: ok",
    "spawntest: copy: parent's timer still answers: ok",
    "spawntest: move: child used the moved timer: ok",
    "spawntest: move: parent's moved id now: CAPOS_ERR_CAP_STALE",
    "spawntest: move: parent's id is stale: ok",
    "spawntest: kill: wait -> code -1 killed 1; kill twice CAPOS_OK, after the end CAPOS_OK",
    "spawntest: kill: ok",
    "spawntest: fault: wait -> CAPOS_OK, code -1 killed 1",
    "spawntest: fault: ok",
    "spawntest: wait-busy: second wait -> CAPOS_ERR_SPAWN_WAIT_BUSY; first -> CAPOS_OK, "
    "code -1 killed 1",
    "spawntest: wait-busy: ok",
    'spawntest: export: "svc" facet; call -> CAPOS_OK; child exited 43; call after -> '
    'CAPOS_ERR_EP_DISCONNECTED',
    "spawntest: export: ok",
    "spawntest: facet: served the child's call (badge 7, Console interface); return -> "
    "CAPOS_OK; child exited 44",
    "spawntest: facet: ok",
    "spawntest: orphan-wait: middle killed while waiting: code -1 killed 1",
    "spawntest: orphan-wait: ok",
] + [f"spawntest: hostile {what} -> {err}: ok" for what, err in HOSTILE] + [
    "spawntest: hostile: next child pid 12 after 11",
    "spawntest: hostile requests created no process: ok",
    "spawntest: hostile a ProcessHandle granted -> CAPOS_ERR_CAP_NOT_TRANSFERABLE: ok",
    "spawntest: holder ended: ok",
    # holder is pid 13; tiny (14) and starved (15) were created and destroyed; roomy 16.
    "spawnchild: hello from pid 16",
    "spawntest: profiles: tiny with 3 grants -> CAPOS_ERR_CAP_TABLE_FULL; starved -> "
    "CAPOS_ERR_NO_MEMORY; roomy -> CAPOS_OK",
    "spawntest: profiles: ok",
    "spawntest: quota: 16 live children, one more -> CAPOS_ERR_SPAWN_CHILD_QUOTA; 16 killed",
    "spawntest: quota: ok",
    "spawntest: spawn works again after the quota: ok",
    f"spawntest: churn: {CHURN} processes, {CHURN // 2} exited 42, {CHURN // 2} killed",
    "spawntest: churn: ok",
    "spawntest: done, exiting 0",
]

BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")
OBJECTS = re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$")
STARTED = re.compile(r'^\[init\] started "spawntest" \(pid 1\): .*, 5 caps, ')
# Spawned by init: print, copy, move, spinner, faulter, waited, server, client, middle,
# after-hostile, holder, roomy, 16 quota, after-quota, the churn (the grandchild is the
# middle's).
SPAWNED = 12 + 16 + 1 + CHURN
RELEASED = f"[spawn] spawner released: {SPAWNED} children started"


def churn_time(result):
    """Report (not judge) how long the boot took from init's start to its exit."""
    start = result.first_time(STARTED)
    end = result.first_time("[init] exited with status 0")
    if start is not None and end is not None:
        print(f"# spawn-suite: init ran {end - start:.1f} s (churn of {CHURN} included)")
    return []


TESTS = [
    Test("spawn-suite", "spawn print/copy/move/kill, hostile requests with exact errors, "
         f"child quota, churn of {CHURN}; frames, kernel objects and processes back at "
         "baseline", Boot(mode="direct", mem="128M", smp=1, timeout=240,
                          modules=[MODULE]),
         [BANNER, STARTED,
          re.compile(r"^\[proc\] faulter pid 6 killed: #PF at rip 0x[0-9a-f]+ addr 0 "),
          "[spawn] wait on grandchild pid 11 cancelled: its waiter died",
          "[proc] middle pid 10 killed by its handle",
          "[proc] grandchild pid 11 exited: code 46 (preempted 0 times)",
          "[spawn] spawner released: 1 children started",
          "[proc] spawntest pid 1 exited: code 0", RELEASED,
          "[init] exited with status 0", BASELINE, OBJECTS, SHUTDOWN_OK],
         CLEAN_FORBIDDEN, EXIT_CLEAN, all_of(com2_exact(TRANSCRIPT), churn_time)),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
