# Focused boot manifest of the thread stress tests (tests/qemu/tstress_tests.py): init is
# user/tstress holding a Console, a Timer, a ParkSpace ("park": its mutexes, condvars
# and newlib's locks park there), a ThreadSpawner, a ThreadControl, VirtualMemory
# (thread stacks), a FrameAllocator (the page it shares with its child) and a
# ProcessSpawner (it spawns itself as the killed child). The default profile's 16
# threads (main included) is the limit the quota twin hits; the "crowd" profile (64
# threads, 4 MiB kernel bytes) is the crowd child's (user/tstress/crowd.c).
#   capnp eval --binary -I. system/tests/tstress.capnp tstress

@0xd41c7e2b9a3f5061;

using M = import "/schema/manifest.capnp";

const tstress :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "tstress"),
  ],
  initConfig = (
    init = (
      binary = "tstress",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "timer", interface = "Timer", source = (kernel = timer)),
        (name = "park", interface = "ParkSpace", source = (kernel = parkSpace)),
        (name = "threads", interface = "ThreadSpawner", source = (kernel = threadSpawner)),
        (name = "threadctl", interface = "ThreadControl", source = (kernel = threadControl)),
        (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)),
        (name = "frames", interface = "FrameAllocator", source = (kernel = frameAllocator)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [
    (name = "default", threads = 16),
    (name = "crowd", threads = 64, kernelBytes = 4194304),
  ],
);
