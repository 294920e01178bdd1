# Focused boot manifest for tests/qemu/xfer_tests.py: user/xfertest as init with a
# console and a CapabilityManager (kernel sources only).
#   capnp eval --binary -I. tests/qemu/xfer/xfer.capnp xfer

@0xb5d3e8a1c7f24096;

using M = import "/schema/manifest.capnp";

const xfer :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "xfertest")],
  initConfig = (
    init = (
      binary = "xfertest",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "capmgr", interface = "CapabilityManager", source = (kernel = capabilityManager)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
);
