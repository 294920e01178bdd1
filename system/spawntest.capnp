# Focused boot manifest of the spawn tests (tests/qemu/spawn_tests.py): init is
# user/spawntest, holding a ProcessSpawner, a Console, two Timers (one of them is
# moved to a child), a raw Endpoint (a child gets a client facet of it) and a
# CapabilityManager (the usage step);
# user/spawnchild is packaged for it to spawn.
#   capnp eval --binary -I. system/spawntest.capnp spawntest

@0xe5a0c3f1b2d49a67;

using M = import "/schema/manifest.capnp";

const spawntest :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "spawntest"),
    (name = "spawnchild"),
  ],
  initConfig = (
    init = (
      binary = "spawntest",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "timer", interface = "Timer", source = (kernel = timer)),
        (name = "timer2", interface = "Timer", source = (kernel = timer)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
        (name = "ep", interface = "Endpoint", source = (kernel = endpoint)),
        (name = "capmgr", interface = "CapabilityManager",
         source = (kernel = capabilityManager)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [
    # Named by spawn requests of user/spawntest (the profile step).
    (name = "tiny", capSlots = 2, framePages = 1024),
    (name = "starved", capSlots = 8, framePages = 16),
    (name = "roomy", capSlots = 8, framePages = 2048),
    # The quota steps (user/spawntest/quota.c): each makes one class small.
    (name = "frames", capSlots = 8, framePages = 256),
    (name = "calls2", capSlots = 8, framePages = 1024, outstandingCalls = 2),
    (name = "kids1", capSlots = 8, framePages = 1024, childProcesses = 1),
    (name = "slots4", capSlots = 4, framePages = 1024),
    (name = "scratch4k", capSlots = 8, framePages = 1024, ringScratchBytes = 4096),
    (name = "threads0", capSlots = 8, framePages = 1024, threads = 0),
    (name = "epq1", capSlots = 8, framePages = 1024, endpointQueueDepth = 1),
  ],
);
