# Focused boot manifest of init's executor (user/init/exec.c), booted by
# tests/qemu/exec_tests.py: init is the real user/init holding a ProcessSpawner; the
# services are the tiny test binaries of user/graphsvc.
# Restart budget: "flaky" exits 3 on every run; under `restart` with restartBudget 2
# it runs three times (two restarts), then init reports the budget spent and exits 4.

@0xc1f3a2b4d5e60712;

using M = import "/schema/manifest.capnp";

const execrestart :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init"), (name = "graphfail")],
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
    services = [
      ( name = "flaky",
        process = (
          binary = "graphfail",
          caps = [(name = "console", interface = "Console", source = (kernel = console))],
        ),
        restart = restart, restartBudget = 2 ),
    ],
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default", capSlots = 64, framePages = 1024)],
);
