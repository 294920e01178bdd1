# Focused boot manifest for tests/qemu/kheap_tests.py: user/kheaptest as init with a
# console, a CapabilityManager, a ProcessSpawner and a raw Endpoint; the same binary is
# spawned as the hog (profile "hog": a small kernelBytes quota), the neighbour (init's
# limits) and the lowmem child (profile "lowmem": frames enough to reach the kernel
# reserve of a small machine).
#   capnp eval --binary -I. tests/qemu/kheap/kheap.capnp kheap

@0xc4a1e07b52d96f3e;

using M = import "/schema/manifest.capnp";

const kheap :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "kheaptest")],
  initConfig = (
    init = (
      binary = "kheaptest",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "capmgr", interface = "CapabilityManager", source = (kernel = capabilityManager)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
        (name = "ep", interface = "Endpoint", source = (kernel = endpoint)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [
    # The hog: every cap slot the kernel allows, 160 KiB of kernel memory (its own
    # structures take about 90 KiB of it, client facets 128 bytes each).
    (name = "hog", capSlots = 1024, framePages = 1024, kernelBytes = 163840),
    # The lowmem child: more frames than the machine has.
    (name = "lowmem", capSlots = 16, framePages = 1048576),
  ],
);
