# Focused boot manifest of the Timer.sleep tests (tests/qemu/timer_tests.py): init is
# user/timertest, holding a Console, a Timer, a ProcessSpawner and a SystemStatus (its
# timer-interrupt count, for the tickless-idle check); user/spawnchild is
# packaged for the kill-while-sleeping cases.
#   capnp eval --binary -I. system/tests/timer.capnp timer

@0xb7d2e4c6a8f01357;

using M = import "/schema/manifest.capnp";

const timer :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "timertest"),
    (name = "spawnchild"),
  ],
  initConfig = (
    init = (
      binary = "timertest",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "timer", interface = "Timer", source = (kernel = timer)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
        (name = "status", interface = "SystemStatus", source = (kernel = systemStatus)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default")],
);
