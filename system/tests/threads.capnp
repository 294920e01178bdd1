# Focused boot manifest of the threads tests (tests/qemu/thread_tests.py): init is
# user/threadtest holding a Console, a Timer, a ThreadSpawner ("threads"), a
# ThreadControl ("threadctl"), VirtualMemory (thread stacks), a ProcessSpawner (it
# spawns itself under role names for the child cases) and a raw Endpoint ("ep", for
# the RECV isolation case). Profile threads2 allows 2 live threads (quota twin); "many"
# 64 threads and the kernel bytes of their stacks (user/threadtest/many.c).
#   capnp eval --binary -I. system/tests/threads.capnp threads

@0xc3e1f2a4b5d60718;

using M = import "/schema/manifest.capnp";

const threads :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "threadtest"),
  ],
  initConfig = (
    init = (
      binary = "threadtest",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "timer", interface = "Timer", source = (kernel = timer)),
        (name = "threads", interface = "ThreadSpawner", source = (kernel = threadSpawner)),
        (name = "threadctl", interface = "ThreadControl", source = (kernel = threadControl)),
        (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
        (name = "ep", interface = "Endpoint", source = (kernel = endpoint)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [
    (name = "default"),
    (name = "threads2", threads = 2),
    (name = "many", threads = 64, kernelBytes = 4194304),
  ],
);
