#!/usr/bin/env python3
"""Endpoint IPC under QEMU (kernel/cap/endpoint.c, kernel/proc/kipc.c, docs/ipc.md).

  ipc-self   user/ipctest as init (tests/qemu/ipc/ipc.capnp: console, two fresh raw
             endpoints, a ProcessSpawner): one process is server and client of its own endpoint; every
             check's COM2 line is compared exactly (facet minting, both round-trip
             orders, exception RETURN, stale/forged call ids, RECV/RETURN through a
             facet, oversize params, result and RECV buffers too small, queue overflow
             -> overloaded, the in-service bound, caps copied and moved on CALL and
             RETURN, hostile descriptors, a full receiver table failing the CALL whole,
             owner release -> disconnected) and, with ProcessSpawner and user/ipcpeer,
             two-process deaths: a server exiting with one call in service and one
             queued (both and a later CALL `disconnected`), a caller killed while the
             server holds its call (RETURN -> EP_CALL_CANCELLED, then BAD_CALL_ID),
             one killed while its call is queued (the call is gone), and one whose
             20 ms wait expires while the server, running on its donation after the
             handoff, keeps the CPU (the timeout ends the donation; it runs, calls
             again, gets both answers); then the kernel's
             IPC report (no endpoint or call record left) and free frames, kernel
             objects and processes back at their baselines.

  ipc-rtt    bench=ipc-rtt:500 (kernel/proc/kbench.c): a server process with a raw
             endpoint and a client process with a facet of it, 500 timed + 65 untimed
             CALL/RETURN round trips, each completion checked by the programs; the
             server exits 0 on the final call, the client reports a figure, and the
             direct handoffs taken are at least two per round trip in the steady
             state (CALL -> blocked receiver, RETURN -> blocked caller).

CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, all_of, com2_exact, run_suite  # noqa: E402

IPC_DIR = os.path.join(harness.BUILD, "tests", "qemu", "ipc")
FORBID = CLEAN_FORBIDDEN + ["killed:", "not ok"]
BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")

SELF_LINES = [
    "ipctest: one process, raw endpoint + its own facet",
    "ok client: Endpoint.client mints a facet",
    "ok client: one result-cap record with the served interface",
    "ok client: interface id 0 is invalidArgument",
    "ok client: Endpoint's own interface id is refused",
    "ok client: a result buffer without room for the record: RESULT_TOO_SMALL, 40 needed",
    "ok call: a CALL with no receiver stays in flight",
    "ok recv: RECV takes the queued call",
    "ok recv: result_len = header + params, call id set, the facet's badge",
    "ok recv: header names interface and method; params copied",
    "ok call: still in flight while the server holds it",
    "ok return: RETURN completes with 0",
    "ok call: the CALL completes with the server's results",
    "ok return: a stale call id",
    "ok return: call id 0",
    "ok return: a forged call id",
    "ok recv: a RECV with nothing queued waits",
    "ok recv: a waiting RECV gets the next CALL (no params)",
    "ok return: an exception RETURN completes with 0",
    "ok call: the caller gets RING_EXCEPTION with the server's CapException",
    "ok recv: RECV through a client facet",
    "ok return: RETURN through a client facet",
    "ok recv: RECV on a Console cap",
    "ok recv: RECV on a forged cap id",
    "ok call: CALL through the facet under another interface id",
    "ok call: the served interface on the raw endpoint (facets only)",
    "ok call: params over the 4096-byte bound",
    "ok return: answering a caller whose buffer is too small",
    "ok call: RESULT_TOO_SMALL with the 32 bytes needed",
    "ok recv: a buffer too small for the queued call: RESULT_TOO_SMALL, 64 needed",
    "ok recv: the same call with a big enough buffer",
    "ok return: results at an unmapped address",
    "ok return: the call is still answerable",
    "ok call: completes with empty results",
    "ok overflow: the 17th queued CALL is answered overloaded (EP_QUEUE_FULL) at once",
    "ok overflow: without a result buffer: EXCEPTION_TRUNCATED and the size",
    "ok overflow: the 16 queued calls are received in FIFO order",
    "ok overflow: each caller gets its own answer",
    "ok in-service: 16 calls received and held",
    "ok in-service: a 17th RECV while 16 are held",
    "ok in-service: all 16 answered",
    "ok xfer: CALL copying a cap: RECV gets one record (new id, Console) after the params",
    "ok xfer: the received copy is released",
    "ok xfer: RETURN with a cap",
    "ok xfer: the caller gets the results, then the returned cap's record",
    "ok xfer: the returned copy is released",
    "ok xfer: CALL moving a facet: delivered with RECV",
    "ok xfer: the moved-from id is stale",
    "ok xfer: answering the move",
    "ok xfer: the move's CALL completes",
    "ok xfer: the moved facet is released",
    "ok xfer: a descriptor with mode 7",
    "ok xfer: a descriptor naming a released cap",
    "ok xfer: receiver table full: the CALL fails with CAP_TABLE_FULL, RECV still waits",
    "ok xfer: with slots free again the waiting RECV takes the next call",
    "ok xfer: console still usable by the caller",
    "ok 2proc: spawn a server owning a fresh endpoint (facet exported)",
    "ok 2proc: server exits holding one call, one queued: both answered disconnected",
    "ok 2proc: a later CALL through the exported facet: disconnected at once",
    "ok 2proc: the server exited on its own",
    "ok 2proc: spawn a caller holding a facet of our endpoint",
    "ok 2proc: the child's CALL arrives (its facet's badge)",
    "ok 2proc: kill the caller mid-call",
    "ok 2proc: its wait reports killed",
    "ok 2proc: RETURN to the dead caller's call",
    "ok 2proc: its id is retired",
    "ok 2proc: the second caller's CALL is queued (a RECV without room for it says so)",
    "ok 2proc: kill a caller whose call is queued",
    "ok 2proc: the dead caller's queued call is gone (the next RECV gets ours)",
    "ok 2proc: spawn a caller that waits 20 ms for its answer",
    "ok 2proc: its CALL arrives (method 4)",
    "ok 2proc: its wait expired while we held the call; it called again (method 5)",
    "ok 2proc: both RETURNs complete",
    "ok 2proc: it collected both answers after its timeout and exited",
    "ok owner: RELEASE of the raw endpoint",
    "ok owner: the in-service call is answered disconnected",
    "ok owner: the queued call is answered disconnected",
    "ok owner: a later CALL through the facet is answered disconnected at once",
    "ok owner: the released raw id is stale",
    "ok owner: RELEASE of the facet frees the endpoint",
    "ok owner: eight RECVs wait on the second endpoint",
    "ok owner: a ninth waiting RECV",
    "ok owner: RELEASE of the second endpoint",
    "ok owner: every waiting RECV completes EP_DISCONNECTED",
    "ipctest: 0 failure(s)",
]


def self_test():
    boot = Boot(mode="direct", mem="128M")
    boot.modules = [os.path.join(IPC_DIR, "ipc.manifest")]
    return Test("ipc-self", "one process serves and calls its own endpoint: every check exact, "
                "no endpoint or call record left, frames back", boot,
                [BANNER, re.compile(r'^\[init\] started "ipctest" \(pid 1\): .*, 4 caps, '),
                 "[ipc] endpoint created for srv pid 2",
                 "[ipc] endpoint freed: 2 call(s), 0 overloaded, 3 disconnected",
                 "[ipc] endpoint freed: 47 call(s), 2 overloaded, 3 disconnected",
                 "[ipc] endpoint freed: 0 call(s), 0 overloaded, 0 disconnected",
                 "[proc] ipctest pid 1 exited: code 0",
                 re.compile(r"^\[ipc\] handoffs \d+, endpoints live 0, call records live 0$"),
                 "[init] exited with status 0", BASELINE, SHUTDOWN_OK],
                FORBID, EXIT_CLEAN, all_of(com2_exact(SELF_LINES), donation_ended))


SCHED_CPU = re.compile(r"^\[sched\] cpu \d+: .*, (\d+) donations ended$")


def donation_ended(result):
    """At -smp 1 the caller killed mid-call (test_caller_killed) is killed by the server
    running on its donation (the CALL handed the CPU over): sched_kill must end the
    donation first (docs/scheduler.md "Donation"), counted in the scheduler report. At
    higher counts the CALL may be queued before the RECV blocks (no handoff), so only
    the report's shape is checked there."""
    ended = [int(m.group(1)) for m in (SCHED_CPU.match(line.strip()) for _, line in result.com1)
             if m]
    if not ended:
        return ["no scheduler report with donations ended"]
    if len(ended) == 1 and ended[0] < 1:
        return ["-smp 1: no donation ended (the kill of a donor did not end its donation)"]
    return []


HANDOFFS = re.compile(r"^\[bench\] ipc-rtt: (\d+) direct handoffs over (\d+) round trips, "
                      r"server exit 0$")


def handoffs_taken(result):
    """Steady state: every CALL and every RETURN switches straight to the waiting peer."""
    for _, line in result.com1:
        m = HANDOFFS.match(line.strip())
        if m:
            taken, trips = int(m.group(1)), int(m.group(2))
            return [] if taken >= 2 * (trips - 2) else [f"only {taken} handoffs in {trips} trips"]
    return ["no handoff line"]


def rtt_test():
    boot = Boot(mode="direct", mem="128M", cmdline="bench=ipc-rtt:500")
    boot.modules = [os.path.join(IPC_DIR, "ipc.manifest")]
    return Test("ipc-rtt", "two processes, one endpoint: 565 checked round trips, server exits "
                "0, direct handoffs both ways, a well-formed figure", boot,
                [BANNER, HANDOFFS,
                 re.compile(r"^\[bench\] bench ipc-rtt ops=500 tsc=\d+ tsc_per_op=\d+\.\d\d$"),
                 SHUTDOWN_OK],
                CLEAN_FORBIDDEN + ["killed:", "error reason"], EXIT_CLEAN, handoffs_taken)


TESTS = [self_test(), rtt_test()]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
