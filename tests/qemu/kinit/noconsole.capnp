# Hostile boot manifest for tests/qemu/init_tests.py (init-noconsole): init with every
# kernel cap of system/minimal.capnp except Console. init's CapSet lookup of "console"
# fails, it exits with status 2 and the kernel reports a failed boot.
#   capnp eval --binary -I. tests/qemu/kinit/noconsole.capnp noconsole

@0xd3c1f0a2b7e49a51;

using M = import "/schema/manifest.capnp";

const noconsole :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init")],
  initConfig = (
    init = (
      binary = "init",
      caps = [
        (name = "timer", interface = "Timer", source = (kernel = timer)),
        (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)),
        (name = "boot", interface = "BootPackage", source = (kernel = bootPackage)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
);
