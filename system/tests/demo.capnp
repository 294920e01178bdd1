# Focused boot manifest of the demo tests (tests/qemu/demo_tests.py): init is
# user/demoinit, which builds the demo graph (user/echo, user/kv, user/democlient) by
# hand with ProcessSpawner and then checks service death (docs/demo.md).
#   capnp eval --binary -I. system/tests/demo.capnp demo

@0xd3c1f0a2b4e59687;

using M = import "/schema/manifest.capnp";

const demo :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "demoinit"),
    (name = "echo"),
    (name = "kv"),
    (name = "democlient"),
  ],
  initConfig = (
    init = (
      binary = "demoinit",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default")],
);
