# The default capOS system: the whole boot-time authority graph as one typed constant,
# compiled by the official tool (`capnp eval --binary -I. system/system.capnp system`)
# and turned into the boot module by tools/mkmanifest, which merges the operator overlay
# system/system.local.capnp when it exists (docs/manifest.md "Overlays") and validates
# the graph before writing build/manifest.bin.
#
# init is the only process the kernel starts; it reads this manifest back through
# BootPackage, validates it again, starts `services` in order through its ProcessSpawner
# and supervises them per restart policy (user/init/exec.c, docs/manifest.md "Executing
# the graph"). The demo services of issue 5 are added here, before any service that
# imports their exports.

@0xa34f42275b1842c9;

using M = import "/schema/manifest.capnp";

const system :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "init"),
    # Images come from build/user/<name>.elf (mkmanifest -d build/user).
  ],
  initConfig = (
    init = (
      binary = "init",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "timer", interface = "Timer", source = (kernel = timer)),
        (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)),
        (name = "boot", interface = "BootPackage", source = (kernel = bootPackage)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
      ],
    ),
    services = [],
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [
    (name = "default"),
    # Schema defaults; a process whose `profile` is empty uses the one named "default".
  ],
);
