#!/usr/bin/env python3
"""The demo services (user/echo, user/kv, user/democlient; schema/demo.capnp;
docs/demo.md) over the libcapos server runtime (lib/libcapos/server.c).

  demo-default the default boot module (system/system.capnp, what `make run` boots):
               init's executor starts echo and kv (exports) and democlient (imports),
               waits for democlient, kills the servers; init's COM2 lines from its first
               `init: exec:` line on and the services' lines (the same as below), each
               stream exactly (a tick may put a `started` line after the service's first),
               and on COM1 democlient exit 0, no endpoint or call record left, frames
               and kernel objects at baseline, clean shutdown.

  demo-graph   the focused manifest system/tests/demo.capnp: init is user/demoinit,
               which spawns echo and kv (each exporting the facet of a fresh endpoint)
               and democlient (copies of both facets, an endpoint of its own), waits
               for the client, then kills echo and calls it. Judged from the exact COM2
               transcript: every echo/kv/democlient line in order (the protocol is
               synchronous, so the order is causal: echo, put/get, the store's typed
               errors -- 33-byte key and 129-byte value -> invalidArgument with
               CAPOS_ERR_DEMO_KEY_TOO_LONG / _VALUE_TOO_LONG, full table -> tableFull,
               method 7 -> unimplemented, truncated frame and non-struct root ->
               invalidArgument -- then a Notifier facet moved to kv with `watch` and kv
               calling it back while the client's put is in flight), democlient exit 0,
               a call through echo's facet after echo was killed -> disconnected
               (CAPOS_ERR_EP_DISCONNECTED); and from COM1: init exits 0, no endpoint or
               call record left, free frames and kernel objects back at their baselines,
               clean shutdown.

CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, all_of, com2_exact, lines_differ, run_suite  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "demo", "demo.manifest")

# What the three services print, in order, for one run of democlient (shared with the
# default-graph test once init runs the manifest's services).
SERVICE_LINES = [
    'echo: echo "hello, capOS" (badge 0)',
    'democlient: echo "hello, capOS" -> "hello, capOS"',
    'kv: put greeting = "hello"',
    'democlient: put greeting = "hello" -> stored',
    'kv: get greeting: found',
    'democlient: get greeting -> "hello"',
    'kv: get colour: not found',
    'democlient: get colour -> not found',
    'kv: refused a key of 33 bytes',
    'democlient: put with a 33-byte key -> invalidArgument (CAPOS_ERR_DEMO_KEY_TOO_LONG)',
    'kv: refused a value of 129 bytes',
    'democlient: put with a 129-byte value -> invalidArgument (CAPOS_ERR_DEMO_VALUE_TOO_LONG)',
    'kv: put k2 = "two"',
    'democlient: put k2 = "two" -> stored',
    'kv: put k3 = "three"',
    'democlient: put k3 = "three" -> stored',
    'kv: put k4 = "four"',
    'democlient: put k4 = "four" -> stored',
    'kv: put k5: table full',
    'democlient: put k5 = "five" -> tableFull',
    'kv: get k5: not found',
    'democlient: get k5 -> not found',
    'democlient: KeyValue method 7 -> unimplemented (CAPOS_ERR_CAPNP_UNIMPLEMENTED)',
    'democlient: echo with a truncated message -> invalidArgument (CAPOS_ERR_CAPNP_TRUNCATED_FRAMING)',
    'democlient: echo with a non-struct root -> invalidArgument (CAPOS_ERR_CAPNP_WRONG_POINTER_KIND)',
    'kv: watching with a Notifier received over IPC (badge 0)',
    'democlient: watch with its own Notifier facet (moved) -> CAPOS_OK',
    'kv: put greeting = "bonjour"',
    'democlient: notified (badge 7): greeting = "bonjour"',
    'kv: watcher notified',
    'democlient: put greeting = "bonjour" -> replaced',
    'kv: get greeting: found',
    'democlient: get greeting -> "bonjour"',
    'democlient: all checks passed',
]

# What init (user/init/exec.c) prints for the default system (system/system.capnp)
# after its own steps and its manifest line: the servers are `ignore` services (killed
# when the graph is done), democlient is waited for. The services print SERVICE_LINES
# meanwhile (see split_init for how the two streams are judged).
DEFAULT_INIT_LINES = [
    'init: exec: service "echo" started (pid 2, exports 1)',
    'init: exec: service "kv" started (pid 3, exports 1)',
    'init: exec: service "democlient" started (pid 4, exports 1)',
    'init: exec: service "democlient" exited 0',
    'init: exec: service "echo" was killed (stopped: the graph is done)',
    'init: exec: service "kv" was killed (stopped: the graph is done)',
    "init: exec: graph done: 3 services started, status 0",
    "init: done, exiting 0",
]
DEFAULT_SERVICES, DEFAULT_CAPS = 3, 13  # init's manifest line: services, caps in all

DEMOINIT_TRANSCRIPT = [
    'demoinit: spawned echo, its Echo facet exported: ok',
    'demoinit: spawned kv, its KeyValue facet exported: ok',
] + SERVICE_LINES + [
    'demoinit: democlient exited 0',
    'demoinit: democlient passed: ok',
    'demoinit: echo killed: wait -> -1 (killed)',
    'demoinit: server killed: ok',
    'demoinit: echo after its death -> CAPOS_ERR_EP_DISCONNECTED',
    'demoinit: call to a dead service is disconnected: ok',
    'demoinit: kv killed: wait -> -1 (killed)',
    'demoinit: server killed: ok',
    'demoinit: caps released: ok',
    'demoinit: done, exiting 0',
]

BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")
OBJECTS = re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$")
IPC_CLEAN = re.compile(r"^\[ipc\] handoffs \d+, endpoints live 0, call records live 0$")


def split_init(lines):
    """init's own lines and everyone else's, each in order. init's `started` line for a
    service and that service's first lines may come in either order (a timer tick can
    preempt init between the spawn and its printf), so each stream is judged exactly
    on its own; within a stream the order is causal."""
    mine = [line for line in lines if line.startswith("init: ")]
    return mine, [line for line in lines if not line.startswith("init: ")]


def com2_streams(init_lines, service_lines, init_from="init: exec:"):
    """init's lines from the first one starting with `init_from` on, and the services'
    lines, each exactly."""
    def judge(result):
        mine, others = split_init(result.com2.splitlines())
        first = next((i for i, line in enumerate(mine) if line.startswith(init_from)), None)
        if first is None:
            return [f"no {init_from!r} line on COM2"]
        problems = lines_differ(mine[first:], init_lines, "init")
        return (problems + lines_differ(others, service_lines, "services"))[:8]
    return judge


TESTS = [
    Test("demo-default", "the default system (make run's module): init's executor runs "
         "echo, kv and democlient; exact transcript from the first exec line, democlient "
         "exit 0, servers killed at the end, no endpoint or call record left, baselines, "
         "clean shutdown",
         Boot(mode="direct", mem="128M", timeout=90,
              modules=[harness.DEMO_MODULE]),
         # init's limits: the manifest's "default" profile (schema defaults), clamped
         [BANNER, "[init] limits: 256 slots, 4096 frames, 64 calls, 16 children, 16 threads",
          "[proc] democlient pid 4 exited: code 0", IPC_CLEAN,
          "[init] exited with status 0", BASELINE, OBJECTS, "[init] revocation nodes left: 0",
          SHUTDOWN_OK],
         forbid=CLEAN_FORBIDDEN, status=EXIT_CLEAN, judge=com2_streams(DEFAULT_INIT_LINES, SERVICE_LINES)),
    Test("demo-graph", "echo/kv/democlient built by demoinit: exact transcript (typed "
         "errors, unimplemented, malformed params, a Notifier facet moved over IPC and "
         "called back), a dead service answers disconnected; baselines, clean shutdown",
         Boot(mode="direct", mem="128M", timeout=90, modules=[MODULE]),
         [BANNER, "[spawn] spawner released: 3 children started", IPC_CLEAN,
          "[init] exited with status 0", BASELINE, OBJECTS, "[init] revocation nodes left: 0", SHUTDOWN_OK],
         forbid=CLEAN_FORBIDDEN, status=EXIT_CLEAN, judge=com2_exact(DEMOINIT_TRANSCRIPT)),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
