# Boot manifest of the PARK/UNPARK round-trip bench (bench/park/park_bench.py): init is
# user/parkbench with a SharedParkSpace, a ParkSpace, a FrameAllocator and a
# ProcessSpawner; user/syncpeer plays the other side.
#   capnp eval --binary -I. system/tests/parkbench.capnp parkbench

@0xcb270b51b3f06440;

using M = import "/schema/manifest.capnp";

const parkbench :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "parkbench"),
    (name = "syncpeer"),
  ],
  initConfig = (
    init = (
      binary = "parkbench",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "park", interface = "ParkSpace", source = (kernel = parkSpace)),
        (name = "spark", interface = "SharedParkSpace", source = (kernel = sharedParkSpace)),
        (name = "frames", interface = "FrameAllocator", source = (kernel = frameAllocator)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default")],
);
