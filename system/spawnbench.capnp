# Boot manifest of the spawn benchmark (bench/spawn/spawn_bench.py, `make bench-spawn`):
# init is user/spawnbench with a Console and a ProcessSpawner; user/truemin (a
# _start that exits 0) is the trivial child it spawns and waits for.
#   capnp eval --binary -I. system/spawnbench.capnp spawnbench

@0xc7d2a9e4f1b35a08;

using M = import "/schema/manifest.capnp";

const spawnbench :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "spawnbench"),
    (name = "truemin"),
  ],
  initConfig = (
    init = (
      binary = "spawnbench",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
);
