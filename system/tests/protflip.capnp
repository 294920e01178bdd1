# Focused boot manifest of the protect-while-used test (tests/qemu/tlb_tests.py
# tlb-protect-flip): init is user/protflip with a Console, VirtualMemory (the pages it
# flips, thread stacks) and a ThreadSpawner/ThreadControl (its reader and writer).
#   capnp eval --binary -I. system/tests/protflip.capnp protflip

@0xd2f1e3a4b5c6072a;

using M = import "/schema/manifest.capnp";

const protflip :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "protflip"),
  ],
  initConfig = (
    init = (
      binary = "protflip",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)),
        (name = "threads", interface = "ThreadSpawner", source = (kernel = threadSpawner)),
        (name = "threadctl", interface = "ThreadControl", source = (kernel = threadControl)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [
    (name = "default"),
  ],
);
