# Focused boot manifest for tests/qemu/ipc_tests.py: init is user/ipctest with the
# console and two fresh raw endpoints (kernel source `endpoint`).
#   capnp eval --binary -I. tests/qemu/ipc/ipc.capnp ipc

@0xe7a4c1b2d3f50619;

using M = import "/schema/manifest.capnp";

const ipc :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "ipctest")],
  initConfig = (
    init = (
      binary = "ipctest",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "ep", interface = "Endpoint", source = (kernel = endpoint)),
        (name = "ep2", interface = "Endpoint", source = (kernel = endpoint)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
);
