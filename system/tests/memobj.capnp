# Focused boot manifest of the MemoryObject / FrameAllocator test
# (tests/qemu/memobj_tests.py): the real user/init runs three services of one binary,
# user/memtest, each with its own FrameAllocator (kernel source frameAllocator):
#   server   single-process steps, then serves the client on a fresh endpoint exported
#            as "mem" (granted as Console: exports need an interface; the protocol is
#            memtest's own: the MemoryObject a call carries says what to do)
#   client   imports "mem": shares an object with the server, 1,000 transfer cycles, stop
#   faulter  sends the server an object (kept), then reads its own unmapped mapping of
#            it: killed by a #PF (`ignore`); the object outlives it

@0xd2a7c4e1b3f50981;

using M = import "/schema/manifest.capnp";

const memobj :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init"), (name = "memtest")],
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
      ( name = "server",
        process = (
          binary = "memtest",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "frames", interface = "FrameAllocator", source = (kernel = frameAllocator)),
            (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)),
            (name = "serve", interface = "Endpoint", source = (kernel = endpoint)),
          ],
        ),
        exports = [(name = "mem", interface = "Console", cap = "serve")],
        restart = wait ),
      ( name = "client",
        process = (
          binary = "memtest",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "frames", interface = "FrameAllocator", source = (kernel = frameAllocator)),
            (name = "peer", interface = "Console",
             source = (service = (service = "server", export = "mem"))),
          ],
        ),
        restart = wait ),
      ( name = "faulter",
        process = (
          binary = "memtest",
          caps = [
            (name = "console", interface = "Console", source = (kernel = console)),
            (name = "frames", interface = "FrameAllocator", source = (kernel = frameAllocator)),
            (name = "crash", interface = "Console", source = (kernel = console)),
            (name = "peer", interface = "Console",
             source = (service = (service = "server", export = "mem"))),
          ],
        ),
        restart = ignore ),
    ],
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default", capSlots = 64, framePages = 1024)],
);
