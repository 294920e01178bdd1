# Focused boot manifest of the StdIO tests (tests/qemu/stdio_tests.py): init is
# user/stdiotest, which serves StdIO on its raw endpoint `ep` and runs the demo
# programs user/hello, user/upper and user/spin with a client facet of it as `stdio`,
# plus user/stdiovanish, a StdIO server that exits mid-call (docs/userspace.md
# "Standard streams").
#   capnp eval --binary -I. system/tests/stdio.capnp stdio

@0xbb06d2ed7526fdce;

using M = import "/schema/manifest.capnp";

const stdio :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [
    (name = "stdiotest"),
    (name = "hello"),
    (name = "upper"),
    (name = "spin"),
    (name = "stdiovanish"),
  ],
  initConfig = (
    init = (
      binary = "stdiotest",
      caps = [
        (name = "console", interface = "Console", source = (kernel = console)),
        (name = "spawner", interface = "ProcessSpawner", source = (kernel = processSpawner)),
        (name = "ep", interface = "Endpoint", source = (kernel = endpoint)),
      ],
    ),
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default")],
);
