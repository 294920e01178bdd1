# Focused boot manifest of the TLB shootdown test (tests/qemu/tlb_tests.py): init is
# user/tlbtest with a Console, VirtualMemory (the page it unmaps, thread stacks) and a
# ThreadSpawner/ThreadControl (its reader thread).
#   capnp eval --binary -I. system/tests/tlb.capnp tlb

@0xd2f1e3a4b5c60729;

using M = import "/schema/manifest.capnp";

const tlb :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "tlbtest"),
  ],
  initConfig = (
    init = (
      binary = "tlbtest",
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
