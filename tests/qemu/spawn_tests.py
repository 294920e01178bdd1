#!/usr/bin/env python3
"""ProcessSpawner / ProcessHandle (kernel/cap/spawner.c; docs/spawn.md).

Boots the focused manifest system/spawntest.capnp: init is user/spawntest, holding a
ProcessSpawner, a Console and two Timers; user/spawnchild is packaged beside it.

  spawn-suite  one boot per CPU count (-smp 1, 2, 4) running every step of user/spawntest, judged from its
               COM2 transcript line by line:
                 print    a child granted a fresh Console prints and exits 42
                 copy     a held Timer copied: the child uses it, the parent still can
                 move     a held Timer moved: the child uses it, the parent's id is stale
                 kill     a spinning child killed: (-1, killed); kill twice and after
                          the end both succeed
                 fault    a child killed by a #PF: wait says (-1, killed)
                 wait-busy  two waits in one batch: the second CAPOS_ERR_SPAWN_WAIT_BUSY
                          (an `overloaded` CapException), the first (deferred)
                          completes when the child is killed
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
                          sent cap, three grant/descriptor mode mismatches (the timer
                          still the parent's after), a ProcessHandle sent: each its
                          exact typed error and CapException type (invalidArgument, or
                          a transport status), and the next child's pid shows nothing
                          was created
                 result-room  spawn into 16 bytes and need - 8 bytes: RESULT_TOO_SMALL
                          with the same exact need (104), into the read-only CapSet
                          page: RESULT_FAULT; then exactly the need of a plain spawn
                          (56) works and its pid shows the refusals created nothing
                 profiles named ResourceProfiles of the manifest: "tiny" (2 cap slots)
                          with 3 grants -> CAP_TABLE_FULL, "starved" (16 frames) ->
                          QUOTA_FRAMES at load, "roomy" runs the child
                 quota    16 live children, the 17th CAPOS_ERR_QUOTA_CHILDREN
                          (overloaded)
                 churn    1,000 children, alternately exiting 42 and killed
                 quota classes  one hostile child per class, each with the exact typed
                          error, then a neighbour that runs: frames (QUOTA_FRAMES), calls
                          (QUOTA_CALLS with 2 in flight, the child exits with them
                          queued), children (QUOTA_CHILDREN, a grandchild outliving its
                          parent), cap slots (CAP_TABLE_FULL at run time); ring scratch
                          and threads profiles refused at spawn (QUOTA_RING_SCRATCH,
                          QUOTA_THREADS); an endpoint owned by an "epq1" child (queue
                          depth 1): the second call overloaded, the queued one
                          disconnected at the kill; usage against known charges
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

INVALID = "invalidArgument"
HOSTILE = [
    ("unknown binary", "CAPOS_ERR_SPAWN_UNKNOWN_BINARY", INVALID),
    ("duplicate grant names", "CAPOS_ERR_SPAWN_DUPLICATE_GRANT", INVALID),
    ("forged held index", "CAPOS_ERR_SPAWN_NOT_HELD", INVALID),
    ("stale cap (moved away)", "CAPOS_ERR_CAP_STALE", "transport"),
    ("33 grants", "CAPOS_ERR_SPAWN_TOO_MANY_GRANTS", INVALID),
    ("name too long", "CAPOS_ERR_SPAWN_NAME", INVALID),
    ("kernel source moved", "CAPOS_ERR_SPAWN_BAD_MODE", INVALID),
    ("clientFacet of a timer", "CAPOS_ERR_SPAWN_BAD_MODE", INVALID),
    ("bootPackage source", "CAPOS_ERR_SPAWN_BAD_SOURCE", INVALID),
    ("endpoint without interfaceId", "CAPOS_ERR_SPAWN_FACET_INTERFACE", INVALID),
    ("facet granted as Endpoint", "CAPOS_ERR_SPAWN_FACET_INTERFACE", INVALID),
    ("5 endpoint grants", "CAPOS_ERR_SPAWN_TOO_MANY_EXPORTS", INVALID),
    ("named profile", "CAPOS_ERR_SPAWN_PROFILE", INVALID),
    ("sent cap named by no grant", "CAPOS_ERR_SPAWN_CAP_UNUSED", INVALID),
    # the grant's mode disagrees with its transfer descriptor's
    ("copy grant sent as a move", "CAPOS_ERR_SPAWN_MODE_MISMATCH", INVALID),
    ("move grant sent as a copy", "CAPOS_ERR_SPAWN_MODE_MISMATCH", INVALID),
    ("clientFacet sent as a move", "CAPOS_ERR_SPAWN_MODE_MISMATCH", INVALID),
    # a badged facet (Endpoint.client with badge 9) is never minted again
    ("clientFacet of a badged facet", "CAPOS_ERR_FACET_BADGED", INVALID),
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
    # ProcessHandle's WAIT_BUSY is an `overloaded` CapException (type 1)
    "spawntest: wait-busy: second wait -> CAPOS_ERR_SPAWN_WAIT_BUSY (type 1); first -> "
    "CAPOS_OK, code -1 killed 1",
    "spawntest: wait-busy: ok",
    'spawntest: export: "svc" facet; call -> CAPOS_OK; child exited 43; call after -> '
    'CAPOS_ERR_EP_DISCONNECTED',
    "spawntest: export: ok",
    "spawntest: facet: served the child's call (badge 7, Console interface); return -> "
    "CAPOS_OK; child exited 44",
    "spawntest: facet: ok",
    "spawntest: orphan-wait: middle killed while waiting: code -1 killed 1",
    "spawntest: orphan-wait: ok",
] + [f"spawntest: hostile {what} -> {err} ({typ}): ok" for what, err, typ in HOSTILE] + [
    "spawntest: hostile: timer after refused move -> CAPOS_OK",
    "spawntest: refused mode mismatches left the caps with the parent: ok",
    "spawntest: hostile: next child pid 12 after 11",
    "spawntest: hostile requests created no process: ok",
    "spawntest: hostile a ProcessHandle granted -> CAPOS_ERR_CAP_NOT_TRANSFERABLE "
    "(transport): ok",
    "spawntest: holder ended: ok",
    # holder is pid 13. Spawn with a console and one export: 72 bytes of framed results
    # + 2 result-cap records of 16; with the console only: 40 + 16.
    "spawntest: result-room: 16 bytes -> CAPOS_ERR_RING_RESULT_TOO_SMALL (transport), "
    "needs 104; 96 bytes -> CAPOS_ERR_RING_RESULT_TOO_SMALL, needs 104; read-only buffer "
    "-> CAPOS_ERR_RING_RESULT_FAULT",
    "spawntest: result-room refusals: ok",
    # three refused spawns created nothing: the next child is pid 14
    "spawnchild: hello from pid 14",
    "spawntest: result-room: 56 bytes exactly -> CAPOS_OK (result_len 56), pid 14 after 13, "
    "exit 42",
    "spawntest: result-room: refused spawns created no process, the exact size works: ok",
    # tiny (15) and starved (16) were created and destroyed; roomy 17.
    "spawnchild: hello from pid 17",
    "spawntest: profiles: tiny with 3 grants -> CAPOS_ERR_CAP_TABLE_FULL; starved -> "
    "CAPOS_ERR_QUOTA_FRAMES; roomy -> CAPOS_OK",
    "spawntest: profiles: ok",
    "spawntest: quota: 16 live children, one more -> CAPOS_ERR_QUOTA_CHILDREN "
    "(overloaded); 16 killed",
    "spawntest: quota: ok",
    "spawntest: spawn works again after the quota: ok",
    f"spawntest: churn: {CHURN} processes, {CHURN // 2} exited 42, {CHURN // 2} killed",
    "spawntest: churn: ok",
    # One hostile child per quota class (profiles of system/spawntest.capnp), each then
    # a neighbour that must still run (docs/resources.md).
    "spawnchild: frames: some regions mapped, then CAPOS_ERR_QUOTA_FRAMES (overloaded); "
    "after an unmap: CAPOS_OK",
    "spawntest: quota frames: the hostile child saw the typed error: ok",
    "spawntest: quota frames: a neighbour still runs: ok",
    "spawnchild: calls: 2 in flight, the third -> CAPOS_ERR_QUOTA_CALLS (overloaded)",
    "spawntest: quota calls: the hostile child saw the typed error: ok",
    "spawntest: quota calls: a neighbour still runs: ok",
    "spawnchild: children: one live, the second -> CAPOS_ERR_QUOTA_CHILDREN (overloaded); "
    "after kill+wait: CAPOS_OK (exit 42); a napping one left behind: CAPOS_OK",
    "spawntest: quota children: the hostile child saw the typed error: ok",
    "spawntest: quota children: a neighbour still runs: ok",
    "spawnchild: slots: 2 facets minted, then CAPOS_ERR_CAP_TABLE_FULL; after a release: "
    "CAPOS_OK",
    "spawntest: quota cap slots: the hostile child saw the typed error: ok",
    "spawntest: quota cap slots: a neighbour still runs: ok",
    "spawntest: endpoint bounds: queue depth 1, the second call -> CAPOS_ERR_EP_QUEUE_FULL "
    "(overloaded); the queued one after the owner's kill -> CAPOS_ERR_EP_DISCONNECTED "
    "(disconnected)",
    "spawntest: endpoint bounds from the owner's profile: ok",
    "spawntest: hostile quota ring scratch: 4096 bytes for a 12288-byte CALL scratch -> "
    "CAPOS_ERR_QUOTA_RING_SCRATCH (overloaded): ok",
    "spawntest: hostile quota threads: 0 threads -> CAPOS_ERR_QUOTA_THREADS (overloaded): ok",
    # usage against known charges: a live child and a wait on it in flight, then gone.
    "spawntest: usage: threads 1 of 16, ring scratch 12288 of 65536, frames within 1024; "
    "calls 0 -> 1 -> 0 of 64, children 0 -> 1 -> 0 of 16, cap slots 6 -> 7 -> 6",
    "spawntest: usage: ok",
    "spawntest: done, exiting 0",
]

BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")
OBJECTS = re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$")
STARTED = re.compile(r'^\[init\] started "spawntest" \(pid 1\): .*, 6 caps, ')
# Spawned by init: print, copy, move, spinner, faulter, waited, server, client, middle,
# after-hostile, holder, room, roomy, 16 quota, after-quota, the churn (the grandchild is
# the middle's), four quota hogs and their neighbours, queue-1, usage-spin (the refused ring
# scratch and threads spawns start nothing; the hogs' grandchildren are theirs).
SPAWNED = 13 + 16 + 1 + CHURN + 8 + 2
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
         f"child quota, churn of {CHURN}, a hostile child per quota class; frames, kernel objects and processes back at "
         "baseline", Boot(mode="direct", mem="128M", timeout=240,
                          modules=[MODULE]),
         # no "default" profile in this manifest: init gets the kernel defaults
         [BANNER, STARTED,
          "[init] limits: 64 slots, 1024 frames, 64 calls, 16 children, 16 threads",
          re.compile(r"^\[proc\] faulter pid 6 killed: #PF at rip 0x[0-9a-f]+ addr 0 "),
          "[spawn] wait on grandchild pid 11 cancelled: its waiter died",
          "[proc] middle pid 10 killed by its handle",
          # preemption count depends on host timing (other processes are runnable)
          re.compile(r"^\[proc\] grandchild pid 11 exited: code 46 \(preempted \d+ times\)$"),
          "[spawn] spawner released: 1 children started",
          "[proc] spawntest pid 1 exited: code 0", RELEASED,
          "[init] exited with status 0", BASELINE, OBJECTS, SHUTDOWN_OK],
         CLEAN_FORBIDDEN, EXIT_CLEAN, all_of(com2_exact(TRANSCRIPT), churn_time)),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
