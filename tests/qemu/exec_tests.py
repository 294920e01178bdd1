#!/usr/bin/env python3
"""init's executor (user/init/exec.c; docs/manifest.md "Executing the graph").

Boots the focused manifests system/tests/exec*.capnp (real user/init holding a
ProcessSpawner, services from user/graphsvc), at each CPU count, judged from COM2 and COM1:

  exec-graph       "server" exports its endpoint (as Console), "client" imports it and
                   CALLs it: the server serves the call, both exit 0, init exits 0, the
                   endpoint freed after 1 call, clean shutdown
  exec-restart     "flaky" exits 3 under `restart` with restartBudget 2: exactly three
                   runs (two restarts), "restart budget 2 spent", init exits 4, failed
                   boot (status 35)
  exec-restartkill "crasher" dies of a #PF under `restart` with restartBudget 1: two
                   runs, "restart budget 1 spent", init exits 4
  exec-ignore      "spinner" under `ignore` spins; when server and client are done init
                   kills it ("was killed (stopped: the graph is done)"), exits 0, clean
  exec-spawnfail   hostile: "starved" names a 16-frame profile, its spawn fails at run
                   time with CAPOS_ERR_QUOTA_FRAMES; init names the service and the error,
                   kills the running "server", exits 5, failed boot (status 35)
  exec-waitfail    a `wait` service exits 3 while a `restart` one exits 0 (not
                   restarted): init exits 4
  exec-nospawner   hostile: init without a ProcessSpawner: the first service is not
                   started (CAPOS_ERR_NOT_FOUND), nothing runs, init exits 5
Every boot: free frames and kernel objects back at their pre-init baselines, no process
left. The COM2 transcript is judged exactly: init's steps and manifest line, then
exactly the expected lines, each process's in its exact order; lines of different
processes are only ordered where causality orders them (the scheduler may run a new
child before init prints that it started it).

CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, EXIT_PANIC, SHUTDOWN_OK, Boot  # noqa: E402
from init_tests import STEPS  # noqa: E402
from suite import Test, all_of, run_suite  # noqa: E402

EXEC_DIR = os.path.join(harness.BUILD, "tests", "qemu", "exec")
CHUNK = 2048  # INIT_MANIFEST_CHUNK (user/init/graph.h)
BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")
OBJECTS = re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$")
FAIL_FORBID = ["[panic]", "[trap]", SHUTDOWN_OK]


def module(name):
    return os.path.join(EXEC_DIR, f"{name}.manifest")


def manifest_line(name, services, caps, path=None):
    path = path or module(name)
    size = os.path.getsize(path) if os.path.exists(path) else 0
    return (f"init: manifest: {size} bytes in {(size + CHUNK - 1) // CHUNK} chunks, valid: "
            f"{services} services, {caps} caps")


def started(name, pid, exports):
    return f'init: exec: service "{name}" started (pid {pid}, exports {exports})'


SERVICE_LINE = re.compile(r'^init: exec: service "([^"]+)"')


def source(line):
    """Whose sequence a COM2 line belongs to: init's lines about one service form their
    own sequence (init reports ends in completion order), other lines go by their
    prefix up to the first ':' (the process)."""
    m = SERVICE_LINE.match(line)
    return f"init/{m.group(1)}" if m else line.split(":", 1)[0]


def init_order(want):
    """Order init guarantees across services: the start lines in manifest order, and
    every line about a service before init's later summary lines."""
    starts = [i for i, w in enumerate(want) if SERVICE_LINE.match(w) and " started " in w]
    pairs = list(zip(starts, starts[1:]))
    for j, w in enumerate(want):
        if source(w) == "init":
            pairs += [(i, j) for i in range(j) if SERVICE_LINE.match(want[i])]
    return pairs


def com2_graph(name, services, caps, want, order, path=None):
    """COM2: init's usual steps and the manifest line exactly, then exactly the lines of
    `want`: each sequence's lines (see source) exactly in the order `want` lists them,
    each (i, j) pair of `order` and of init_order (indices into `want`) printed in that
    order. Lines of different sequences are otherwise free to interleave. `path`: the
    boot module when it is not exec's own <name>.manifest."""
    def judge(result):
        got = result.com2.splitlines()
        head = STEPS + [manifest_line(name, services, caps, path)]
        problems = []
        for i, w in enumerate(head):
            g = got[i] if i < len(got) else "<missing>"
            if g != w:
                problems.append(f"COM2 line {i + 1}: got {g[:100]!r}, want {w[:100]!r}")
        tail = got[len(head):]
        where = {}
        for src in sorted({source(w) for w in want} | {source(t) for t in tail}):
            wi = [i for i, w in enumerate(want) if source(w) == src]
            ti = [i for i, t in enumerate(tail) if source(t) == src]
            w_lines = [want[i] for i in wi]
            t_lines = [tail[i] for i in ti]
            if w_lines != t_lines:
                problems.append(f"COM2 lines of {src!r}: got {t_lines[:6]!r}, "
                                f"want {w_lines[:6]!r}")
                continue
            where.update(zip(wi, ti))
        for a, b in list(order) + init_order(want):
            if a in where and b in where and where[a] > where[b]:
                problems.append(f"COM2: {want[a]!r} printed after {want[b]!r}")
        return problems[:8]
    return judge


def com1_has(*lines):
    """COM1 has a line starting with each of these, anywhere (processes may end in
    either order)."""
    def judge(result):
        got = [line.strip() for _, line in result.com1]
        return [f"COM1 lacks {want!r}" for want in lines
                if not any(g.startswith(want) for g in got)]
    return judge


def boot(name):
    return Boot(mode="direct", mem="128M", timeout=60, modules=[module(name)])


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
    "graphsrv: served one call (badge 42)",  # the importer's Service.badge
    started("client", 3, 0),
    'init: exec: service "server" exited 0',
    "graphcli: call through the import: answered",
    'init: exec: service "client" exited 0',
    "init: exec: graph done: 2 services started, status 0",
    "init: done, exiting 0",
]
# (earlier, later): the client's answer after the server served, a service's end after
# its last line. (A child may print before init prints that it started it.)
GRAPH_ORDER = [(1, 4), (1, 3), (4, 5)]

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
# Each run prints before init sees its end; a restart is announced before the next run.
RESTART_ORDER = [(0, 2), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6)]

RESTARTKILL = [
    started("crasher", 2, 0),
    'init: exec: service "crasher" was killed; restart 1 of 1',
    'init: exec: service "crasher" was killed; restart budget 1 spent',
    "init: exec: graph done: 1 services started, status 4",
    "init: FAILED",
]

IGNORE = [
    started("spinner", 2, 0),
    started("server", 3, 1),
    started("client", 4, 0),
    "graphsrv: served one call (badge 0)",
    "graphcli: call through the import: answered",
    'init: exec: service "server" exited 0',
    'init: exec: service "client" exited 0',
    'init: exec: service "spinner" was killed (stopped: the graph is done)',
    "init: exec: graph done: 3 services started, status 0",
    "init: done, exiting 0",
]
IGNORE_ORDER = [(3, 4), (3, 5), (4, 6)]

SPAWNFAIL = [
    started("server", 2, 1),
    'init: graph: service "starved" not started: CAPOS_ERR_QUOTA_FRAMES',
    'init: exec: service "server" was killed (stopped: the graph failed)',
    "init: exec: graph done: 1 services started, status 5",
    "init: FAILED",
]

WAITFAIL = [
    started("server", 2, 1),
    started("client", 3, 0),
    started("failing", 4, 0),
    "graphsrv: served one call (badge 0)",
    "graphfail: exiting 3",
    "graphcli: call through the import: answered",
    'init: exec: service "server" exited 0',
    'init: exec: service "client" exited 0',
    'init: exec: service "failing" exited 3',
    "init: exec: graph done: 3 services started, status 4",
    "init: FAILED",
]
WAITFAIL_ORDER = [(3, 5), (3, 6), (5, 7), (4, 8)]

NOSPAWNER = [
    'init: graph: service "server" not started: CAPOS_ERR_NOT_FOUND',
    "init: exec: graph done: 0 services started, status 5",
    "init: FAILED",
]

TESTS = [
    Test("exec-graph", "server exports, client imports and calls it, both exit 0, init 0, "
         "baselines, clean shutdown", boot("execgraph"),
         [BANNER, "[ipc] endpoint freed: 1 call(s), 0 overloaded, 0 disconnected"] + com1_ok(2),
         CLEAN_FORBIDDEN + ["killed"], EXIT_CLEAN,
         all_of(com2_graph("execgraph", 2, 9, GRAPH, GRAPH_ORDER),
                com1_has("[proc] server pid 2 exited: code 0 ",
                         "[proc] client pid 3 exited: code 0 "))),
    Test("exec-restart", "a service exiting 3 under restart, budget 2: three runs, budget "
         "spent, init exits 4, baselines, failed boot", boot("execrestart"),
         [BANNER, "[proc] flaky pid 2 exited: code 3", "[proc] flaky pid 3 exited: code 3",
          "[proc] flaky pid 4 exited: code 3"] + com1_ok(3, 4),
         FAIL_FORBID + ["flaky pid 5"], EXIT_PANIC,
         com2_graph("execrestart", 1, 6, RESTART, RESTART_ORDER)),
    Test("exec-restartkill", "a service killed by a #PF under restart, budget 1: two runs, "
         "budget spent, init exits 4, baselines, failed boot", boot("execrestartkill"),
         [BANNER, re.compile(r"^\[proc\] crasher pid 2 killed: #PF at rip 0x[0-9a-f]+ addr 0 "),
          re.compile(r"^\[proc\] crasher pid 3 killed: #PF at rip 0x[0-9a-f]+ addr 0 ")]
         + com1_ok(2, 4), ["[panic]", "[trap]", SHUTDOWN_OK, "crasher pid 4"], EXIT_PANIC,
         com2_graph("execrestartkill", 1, 6, RESTARTKILL, [])),
    Test("exec-ignore", "a spinning ignored service is killed when the graph is done; init "
         "0, baselines, clean shutdown", boot("execignore"),
         [BANNER, "[proc] spinner pid 2 killed by its handle"] + com1_ok(3),
         CLEAN_FORBIDDEN, EXIT_CLEAN, com2_graph("execignore", 3, 10, IGNORE, IGNORE_ORDER)),
    Test("exec-spawnfail", "a service whose spawn fails at run time (16-frame profile): "
         "CAPOS_ERR_QUOTA_FRAMES named, the running server killed, init exits 5, baselines, "
         "failed boot", boot("execspawnfail"),
         [BANNER, "[proc] server pid 2 killed by its handle"] + com1_ok(1, 5),
         FAIL_FORBID, EXIT_PANIC, com2_graph("execspawnfail", 2, 8, SPAWNFAIL, [])),
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
         FAIL_FORBID + ["pid 2"], EXIT_PANIC, com2_graph("execnospawner", 2, 8, NOSPAWNER, [])),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
