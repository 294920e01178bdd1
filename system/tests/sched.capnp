# Focused boot manifest of the weighted-fair-queueing test (tests/qemu/sched_tests.py):
# the real user/init starts two user/schedspin services, each holding a Timer and a
# SchedulingPolicy under the "spin" profile (maxWeight 4); "heavy" also holds a second
# Timer named "heavy", which makes it set weight 2 (the other sets 1 and runs the
# hostile twins first). Both spin over the same 2 s window of guest time.
#   capnp eval --binary -I. system/tests/sched.capnp sched

@0xd5a1c3e7f9b20468;

using M = import "/schema/manifest.capnp";

const sched :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init"), (name = "schedspin")],
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
      ( name = "light",
        process = (
          binary = "schedspin",
          profile = "spin",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "timer", interface = "Timer", source = (kernel = timer)),
            (name = "sched", interface = "SchedulingPolicy",
             source = (kernel = schedulingPolicy)),
          ],
        ),
        restart = wait ),
      ( name = "heavy",
        process = (
          binary = "schedspin",
          profile = "spin",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "timer", interface = "Timer", source = (kernel = timer)),
            (name = "heavy", interface = "Timer", source = (kernel = timer)),
            (name = "sched", interface = "SchedulingPolicy",
             source = (kernel = schedulingPolicy)),
          ],
        ),
        restart = wait ),
    ],
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default", capSlots = 64, framePages = 1024),
                      (name = "spin", maxWeight = 4)],
);
