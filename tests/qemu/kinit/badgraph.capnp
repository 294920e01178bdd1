# A boot module the kernel accepts but init must refuse (tests/qemu/init_tests.py,
# init-badgraph): init and its four grants are fine, so the kernel's partial decode
# starts init, but service "ghost" names a binary the manifest lacks. mkmanifest would
# refuse to write it, so the image is embedded by the compiler instead
# (`capnp eval --binary -I. -I$(BUILD) ... badgraph`, tests/qemu/kinit.mk): init's own
# validation is what this boot tests.

@0xc4fd94defdc1db79;

using M = import "/schema/manifest.capnp";

const badgraph :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init", image = embed "/user/init.elf")],
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
    services = [
      ( name = "ghost",
        process = (binary = "ghost",
                   caps = [(name = "console", interface = "Console", source = (kernel = console))]) ),
    ],
  ),
);
