# Boot manifest of the SMP scaling benchmark (bench/smp/smp_bench.py, `make bench-smp`):
# init is user/smpbench, which runs the shared job (bench/smp/smp_work.c) on 1 and 2
# processes, spawning itself as the workers (each granted the job's MemoryObject, a
# Timer and a SharedParkSpace), and the park/unpark ping-pong between two processes;
# prints one `smp ...` line per configuration.
#   capnp eval --binary -I. system/smpbench.capnp smpbench

@0xd3b1f0a6c2e49157;

using M = import "/schema/manifest.capnp";

# The starter's caps (system/tests/smpcheck.capnp uses them too).
const smpbenchCaps :List(M.CapEntry) = [
  (name = "console", interface = "Console", source = (kernel = console)),
  (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
  (name = "frames", interface = "FrameAllocator", source = (kernel = frameAllocator)),
  (name = "timer", interface = "Timer", source = (kernel = timer)),
  (name = "park", interface = "SharedParkSpace", source = (kernel = sharedParkSpace)),
  (name = "threads", interface = "ThreadSpawner", source = (kernel = threadSpawner)),
  (name = "threadctl", interface = "ThreadControl", source = (kernel = threadControl)),
  (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)),
  (name = "tpark", interface = "ParkSpace", source = (kernel = parkSpace)),
];

const smpbench :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "smpbench"),
  ],
  initConfig = (
    init = (
      binary = "smpbench",
      caps = .smpbenchCaps,
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
);
