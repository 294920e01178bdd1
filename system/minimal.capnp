# The minimal boot manifest of issue 4: init alone, with the four kernel capabilities
# ABI v1 provides. Compiled with the official tool from the repository root:
#   capnp eval --binary -I. system/minimal.capnp minimal > build/system/minimal.bin
# then tools/mkmanifest embeds the ELF images and writes build/manifest.bin
# (docs/manifest.md). The service graph (InitConfig.services) arrives with the next
# issue's default system.

@0xb420466a3468eaf2;

using M = import "/schema/manifest.capnp";

const minimal :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "init"),
    # No path: the build passes `-d build/user`, so mkmanifest reads build/user/init.elf.
  ],
  initConfig = (
    init = (
      binary = "init",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "timer", interface = "Timer", source = (kernel = timer)),
        (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)),
        (name = "boot", interface = "BootPackage", source = (kernel = bootPackage)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
);
