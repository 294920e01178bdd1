# Focused boot manifest of the PARK/UNPARK tests (tests/qemu/park_tests.py): init is
# user/parktest with private and shared park spaces, a FrameAllocator and a
# ProcessSpawner; user/parkpeer is packaged for the two-process and killed cases.
#   capnp eval --binary -I. system/tests/park.capnp park

@0xb822307fa1b015be;

using M = import "/schema/manifest.capnp";

const park :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "parktest"),
    (name = "parkpeer"),
  ],
  initConfig = (
    init = (
      binary = "parktest",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "timer", interface = "Timer", source = (kernel = timer)),
        (name = "park", interface = "ParkSpace", source = (kernel = parkSpace)),
        (name = "park2", interface = "ParkSpace", source = (kernel = parkSpace)),
        (name = "spark", interface = "SharedParkSpace", source = (kernel = sharedParkSpace)),
        (name = "spark2", interface = "SharedParkSpace", source = (kernel = sharedParkSpace)),
        (name = "spark3", interface = "SharedParkSpace", source = (kernel = sharedParkSpace)),
        (name = "frames", interface = "FrameAllocator", source = (kernel = frameAllocator)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default")],
);
