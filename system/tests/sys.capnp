# Focused boot manifest of the machine-wide caps tests (tests/qemu/sys_tests.py): init
# is user/systest, holding a Console, an EntropySource, a SystemStatus, a SystemControl
# and a ProcessSpawner (it spawns itself as a child without SystemControl); the motd is
# what SystemStatus.summary must report.
#   capnp eval --binary -I. system/tests/sys.capnp sys

@0xd3a7c1e5b9f20468;

using M = import "/schema/manifest.capnp";

const sys :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "systest"),
  ],
  initConfig = (
    init = (
      binary = "systest",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "entropy", interface = "EntropySource", source = (kernel = entropySource)),
        (name = "status", interface = "SystemStatus", source = (kernel = systemStatus)),
        (name = "control", interface = "SystemControl", source = (kernel = systemControl)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100, motd = "capOS sys test: hello, operator"),
  resourceProfiles = [(name = "default")],
);
