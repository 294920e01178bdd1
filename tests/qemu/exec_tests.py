#!/usr/bin/env python3
"""init's executor (user/init/exec.c; docs/manifest.md "Executing the graph").

Boots the focused manifests system/tests/exec*.capnp (real user/init holding a
ProcessSpawner, services from user/graphsvc), -smp 1, judged from COM2 and COM1:

  exec-graph       "server" exports its endpoint (as Console), "client" imports it and
                   CALLs it: the server serves the call, both exit 0, init exits 0, the
                   endpoint freed after 1 call, clean shutdown
  exec-restart     "flaky" exits 3 under `restart` with restartBudget 2: exactly three
                   runs (two restarts), "restart budget 2 spent", init exits 4, failed
                   boot (status 35)
  exec-ignore      "spinner" under `ignore` spins; when server and client are done init
                   kills it ("was killed (stopped: the graph is done)"), exits 0, clean
  exec-spawnfail   hostile: "starved" names a 16-frame profile, its spawn fails at run
                   time with CAPOS_ERR_NO_MEMORY; init names the service and the error,
                   kills the running "server", exits 5, failed boot (status 35)
  exec-waitfail    a `wait` service exits 3 while a `restart` one exits 0 (not
                   restarted): init exits 4
  exec-nospawner   hostile: init without a ProcessSpawner: the first service is not
                   started (CAPOS_ERR_NOT_FOUND), nothing runs, init exits 5
Every boot: free frames and kernel objects back at their pre-init baselines, no process
left. The COM2 transcript is judged exactly: the lines after the manifest line are
exactly the expected ones, in the expected order where one process's line follows
another's (lines of different processes that may interleave are only ordered where
causality orders them).

CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402
from init_tests import STEPS  # noqa: E402
from suite import Test, run_suite  # noqa: E402

EXEC_DIR = os.path.join(harness.BUILD, "tests", "qemu", "exec")
CHUNK = 2048  # INIT_MANIFEST_CHUNK (user/init/graph.h)
BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")
OBJECTS = re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$")
FAIL_FORBID = ["[panic]", "[trap]", SHUTDOWN_OK]


def module(name):
    return os.path.join(EXEC_DIR, f"{name}.manifest")


def manifest_line(name, services, caps):
    path = module(name)
    size = os.path.getsize(path) if os.path.exists(path) else 0
    return (f"init: manifest: {size} bytes in {(size + CHUNK - 1) // CHUNK} chunks, valid: "
            f"{services} services, {caps} caps")


def started(name, pid, exports):
    return f'init: exec: service "{name}" started (pid {pid}, exports {exports})'


STREAMS = "streams"


def com2_graph(name, services, caps, want, order=None):
    """COM2: init's usual steps and the manifest line exactly, then exactly the lines of
    `want`: in exactly that order when `order` is None; with STREAMS, init's lines and
    the others each in exactly their order (a tick may preempt init between a spawn and
    its `started` printf, so a child's line can come first); else as a multiset of
    distinct lines in which each (earlier, later) pair of `order` holds."""

    def judge(result):
        got = result.com2.splitlines()
        head = STEPS + [manifest_line(name, services, caps)]
        problems = []
        for i, w in enumerate(head):
            g = got[i] if i < len(got) else "<missing>"
            if g != w:
                problems.append(f"COM2 line {i + 1}: got {g[:100]!r}, want {w[:100]!r}")
        tail = got[len(head):]
        if order == STREAMS:
            for mine in (True, False):
                g = [t for t in tail if t.startswith("init: ") == mine]
                w = [t for t in want if t.startswith("init: ") == mine]
                if g != w:
                    problems.append(f"COM2 {'init' if mine else 'service'} lines after the "
                                    f"manifest: got {g[:6]!r}, want {w[:6]!r}")
            return problems[:8]
        if order is None:
            for i in range(max(len(tail), len(want))):
                g = tail[i] if i < len(tail) else "<missing>"
                w = want[i] if i < len(want) else "<nothing more>"
                if g != w:
                    problems.append(f"COM2 line {len(head) + i + 1}: got {g[:100]!r}, "
                                    f"want {w[:100]!r}")
            return problems[:8]
        if sorted(tail) != sorted(want):
            extra = [t for t in tail if t not in want]
            missing = [w for w in want if w not in tail]
            problems.append(f"COM2 after the manifest: extra {extra[:4]!r}, "
                            f"missing {missing[:4]!r}")
            return problems[:8]
        for a, b in order:
            if tail.index(a) > tail.index(b):
                problems.append(f"COM2: {a!r} after {b!r}")
        return problems[:8]
    return judge


def boot(name):
    return Boot(mode="direct", mem="128M", smp=1, timeout=60, modules=[module(name)])


def com1_ok(children, status=0):
    """COM1 after init's end: its status, children counted, baselines, and the boot's
    verdict (clean shutdown for 0, the failed-boot error otherwise)."""
    tail = [f"[spawn] spawner released: {children} children started",
            f"[init] exited with status {status}", BASELINE, OBJECTS]
    if status == 0:
        return tail + [SHUTDOWN_OK]
    return tail + [f"[boot] error: init exited with status {status} (not 0): failed boot"]


GRAPH = [
    started("server", 2, 1),
    "graphsrv: served one call",
    started("client", 3, 0),
    'init: exec: service "server" exited 0',
    "graphcli: call through the import: answered",
    'init: exec: service "client" exited 0',
    "init: exec: graph done: 2 services started, status 0",
    "init: done, exiting 0",
]
GRAPH_ORDER = [
    (GRAPH[0], GRAPH[1]), (GRAPH[0], GRAPH[2]), (GRAPH[2], GRAPH[4]), (GRAPH[1], GRAPH[4]),
    (GRAPH[1], GRAPH[3]), (GRAPH[4], GRAPH[5]), (GRAPH[3], GRAPH[6]), (GRAPH[5], GRAPH[6]),
    (GRAPH[6], GRAPH[7]),
]

RESTART = [
    started("flaky", 2, 0),
    "graphfail: exiting 3",
    'init: exec: service "flaky" exited 3; restart 1 of 2',
    "graphfail: exiting 3",
    'init: exec: service "flaky" exited 3; restart 2 of 2',
    "graphfail: exiting 3",
    'init: exec: service "flaky" exited 3; restart budget 2 spent',
    "init: exec: graph done: 1 services started, status 4",
    "init: FAILED",
]

IGNORE = [
    started("spinner", 2, 0),
    started("server", 3, 1),
    started("client", 4, 0),
    "graphsrv: served one call",
    "graphcli: call through the import: answered",
    'init: exec: service "server" exited 0',
    'init: exec: service "client" exited 0',
    'init: exec: service "spinner" was killed (stopped: the graph is done)',
    "init: exec: graph done: 3 services started, status 0",
    "init: done, exiting 0",
]
IGNORE_ORDER = [
    (IGNORE[0], IGNORE[1]), (IGNORE[1], IGNORE[2]), (IGNORE[1], IGNORE[3]),
    (IGNORE[2], IGNORE[4]), (IGNORE[3], IGNORE[4]), (IGNORE[3], IGNORE[5]),
    (IGNORE[4], IGNORE[6]), (IGNORE[5], IGNORE[7]), (IGNORE[6], IGNORE[7]),
    (IGNORE[7], IGNORE[8]), (IGNORE[8], IGNORE[9]),
]

SPAWNFAIL = [
    started("server", 2, 1),
    'init: graph: service "starved" not started: CAPOS_ERR_NO_MEMORY',
    'init: exec: service "server" was killed (stopped: the graph failed)',
    "init: exec: graph done: 1 services started, status 5",
    "init: FAILED",
]

WAITFAIL = [
    started("server", 2, 1),
    started("client", 3, 0),
    started("failing", 4, 0),
    "graphsrv: served one call",
    "graphfail: exiting 3",
    "graphcli: call through the import: answered",
    'init: exec: service "server" exited 0',
    'init: exec: service "client" exited 0',
    'init: exec: service "failing" exited 3',
    "init: exec: graph done: 3 services started, status 4",
    "init: FAILED",
]
WAITFAIL_ORDER = [
    (WAITFAIL[0], WAITFAIL[1]), (WAITFAIL[1], WAITFAIL[2]), (WAITFAIL[0], WAITFAIL[3]),
    (WAITFAIL[2], WAITFAIL[4]), (WAITFAIL[1], WAITFAIL[5]), (WAITFAIL[3], WAITFAIL[5]),
    (WAITFAIL[3], WAITFAIL[6]), (WAITFAIL[5], WAITFAIL[7]), (WAITFAIL[4], WAITFAIL[8]),
    (WAITFAIL[6], WAITFAIL[9]), (WAITFAIL[7], WAITFAIL[9]), (WAITFAIL[8], WAITFAIL[9]),
    (WAITFAIL[9], WAITFAIL[10]),
]

NOSPAWNER = [
    'init: graph: service "server" not started: CAPOS_ERR_NOT_FOUND',
    "init: exec: graph done: 0 services started, status 5",
    "init: FAILED",
]

TESTS = [
    Test("exec-graph", "server exports, client imports and calls it, both exit 0, init 0, "
         "baselines, clean shutdown", boot("execgraph"),
         [BANNER, "[proc] server pid 2 exited: code 0", "[proc] client pid 3 exited: code 0",
          "[ipc] endpoint freed: 1 call(s), 0 overloaded, 0 disconnected"] + com1_ok(2),
         CLEAN_FORBIDDEN + ["killed"], EXIT_CLEAN,
         com2_graph("execgraph", 2, 9, GRAPH, GRAPH_ORDER)),
    Test("exec-restart", "a service exiting 3 under restart, budget 2: three runs, budget "
         "spent, init exits 4, baselines, failed boot", boot("execrestart"),
         [BANNER, "[proc] flaky pid 2 exited: code 3", "[proc] flaky pid 3 exited: code 3",
          "[proc] flaky pid 4 exited: code 3"] + com1_ok(3, 4),
         FAIL_FORBID + ["flaky pid 5"], EXIT_PANIC, com2_graph("execrestart", 1, 6, RESTART, STREAMS)),
    Test("exec-ignore", "a spinning ignored service is killed when the graph is done; init "
         "0, baselines, clean shutdown", boot("execignore"),
         [BANNER, "[proc] spinner pid 2 killed by its handle"] + com1_ok(3),
         CLEAN_FORBIDDEN, EXIT_CLEAN, com2_graph("execignore", 3, 10, IGNORE, IGNORE_ORDER)),
    Test("exec-spawnfail", "a service whose spawn fails at run time (16-frame profile): "
         "CAPOS_ERR_NO_MEMORY named, the running server killed, init exits 5, baselines, "
         "failed boot", boot("execspawnfail"),
         [BANNER, "[proc] server pid 2 killed by its handle"] + com1_ok(1, 5),
         FAIL_FORBID, EXIT_PANIC, com2_graph("execspawnfail", 2, 8, SPAWNFAIL)),
    Test("exec-waitfail", "a `wait` service exits 3 (init 4) while a `restart` service that "
         "exits 0 is not restarted; baselines, failed boot", boot("execwaitfail"),
         [BANNER, "[proc] failing pid 4 exited: code 3"] + com1_ok(3, 4),
         FAIL_FORBID + ["client pid 5", "killed"], EXIT_PANIC,
         com2_graph("execwaitfail", 3, 10, WAITFAIL, WAITFAIL_ORDER)),
    Test("exec-nospawner", "hostile: init holds no ProcessSpawner: the first service not "
         "started (CAPOS_ERR_NOT_FOUND), nothing runs, init 5, baselines, failed boot",
         boot("execnospawner"),
         [BANNER, re.compile(r'^\[init\] started "init" \(pid 1\): .*, 4 caps, '),
          "[init] exited with status 5", BASELINE, OBJECTS,
          "[boot] error: init exited with status 5 (not 0): failed boot"],
         FAIL_FORBID + ["pid 2"], EXIT_PANIC, com2_graph("execnospawner", 2, 8, NOSPAWNER)),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
