# Focused boot manifest for tests/qemu/ipc_tests.py: init is user/ipctest with the
# console, two fresh raw endpoints (kernel source `endpoint`) and a ProcessSpawner
# (for the two-process tests with user/ipcpeer).
#   capnp eval --binary -I. tests/qemu/ipc/ipc.capnp ipc

@0xe7a4c1b2d3f50619;

using M = import "/schema/manifest.capnp";

const ipc :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "ipctest"), (name = "ipcpeer")],
  initConfig = (
    init = (
      binary = "ipctest",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "ep", interface = "Endpoint", source = (kernel = endpoint)),
        (name = "ep2", interface = "Endpoint", source = (kernel = endpoint)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
);
