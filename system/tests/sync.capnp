# Focused boot manifest of the capos_mutex / capos_cond tests (tests/qemu/sync_tests.py):
# init is user/synctest with a ParkSpace, two SharedParkSpaces, a FrameAllocator and a
# ProcessSpawner; user/syncpeer is packaged for the counter and consumer processes.
#   capnp eval --binary -I. system/tests/sync.capnp sync

@0xe0c5c3d2a8b91f47;

using M = import "/schema/manifest.capnp";

const sync :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "synctest"),
    (name = "syncpeer"),
  ],
  initConfig = (
    init = (
      binary = "synctest",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "timer", interface = "Timer", source = (kernel = timer)),
        (name = "park", interface = "ParkSpace", source = (kernel = parkSpace)),
        (name = "spark", interface = "SharedParkSpace", source = (kernel = sharedParkSpace)),
        (name = "spark2", interface = "SharedParkSpace", source = (kernel = sharedParkSpace)),
        (name = "frames", interface = "FrameAllocator", source = (kernel = frameAllocator)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default")],
);
