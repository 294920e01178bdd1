# Focused boot manifest of the spawn tests (tests/qemu/spawn_tests.py): init is
# user/spawntest, holding a ProcessSpawner, a Console, two Timers (one of them is
# moved to a child) and a raw Endpoint (a child gets a client facet of it);
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
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
);
