# Focused boot manifest for tests/qemu/capmgr_tests.py: user/capmgrtest as init with a
# console, a CapabilityManager, a VirtualMemory and a ProcessSpawner (kernel sources
# only); user/capmgrchild is packaged for the cross-process steps.
#   capnp eval --binary -I. tests/qemu/capmgr/capmgr.capnp capmgr

@0xe2b7c41d9a3f6051;

using M = import "/schema/manifest.capnp";

const capmgr :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "capmgrtest"), (name = "capmgrchild")],
  initConfig = (
    init = (
      binary = "capmgrtest",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "capmgr", interface = "CapabilityManager", source = (kernel = capabilityManager)),
        (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
);
