# Focused boot manifest for tests/qemu/vmres_tests.py: user/vmtest as init with a
# console, a VirtualMemory, a CapabilityManager and a ProcessSpawner (kernel sources);
# its children (vmtest again) run with the default profile or "vmsmall", whose 64 KiB
# of address space the quota step exhausts.
#   capnp eval --binary -I. tests/qemu/vmres/vmres.capnp vmres

@0xc142b5372cfab40d;

using M = import "/schema/manifest.capnp";

const vmres :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "vmtest")],
  initConfig = (
    init = (
      binary = "vmtest",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)),
        (name = "capmgr", interface = "CapabilityManager", source = (kernel = capabilityManager)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
      ],
    ),
  ),
  resourceProfiles = [(name = "vmsmall", virtualBytes = 65536)],
  kernelParams = (logLevel = info, timerHz = 100),
);
