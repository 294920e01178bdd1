# capos-shell's focused boot (tests/qemu/shell_tests.py, docs/shell.md): the session
# services (echo, audit, broker, sessmgr; docs/sessions.md) and the shell on the user
# terminal, its children being the demo programs hello, upper and spin. The broker's
# policy (its `<profile>.<name>` caps): anonymous a clock; guest a clock, the echo service and a
# `launcher` (ProcessSpawner) so that run/spawn, the StdIO endpoint and Ctrl-C are
# exercised without credentials; operator the same and a console. The services get no
# console of their own: COM2 carries only init's start-up lines and the shell's session.
#   capnp eval --binary -I. system/tests/shell.capnp shell

@0x9ac8a40b7f1035c3;

using M = import "/schema/manifest.capnp";

const shell :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init"), (name = "echo"), (name = "audit"), (name = "broker"),
              (name = "sessmgr"), (name = "shell"), (name = "hello"),
              (name = "upper"), (name = "spin")],
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
      ( name = "echo",
        process = (binary = "echo", caps = [
          (name = "api", interface = "Endpoint", source = (kernel = endpoint)) ]),
        exports = [(name = "api", interface = "Echo", cap = "api")],
        restart = ignore ),
      ( name = "audit",
        process = (binary = "audit", caps = [
          (name = "timer", interface = "Timer", source = (kernel = timer)),
          (name = "log", interface = "Endpoint", source = (kernel = endpoint)),
          (name = "read", interface = "Endpoint", source = (kernel = endpoint)) ]),
        exports = [(name = "log", interface = "AuditLog", cap = "log"),
                   (name = "read", interface = "AuditReader", cap = "read")],
        restart = ignore ),
      ( name = "broker",
        process = (binary = "broker", caps = [
          (name = "capmgr", interface = "CapabilityManager",
           source = (kernel = capabilityManager)),
          (name = "api", interface = "Endpoint", source = (kernel = endpoint)),
          (name = "anonymous.timer", interface = "Timer", source = (kernel = timer)),
          (name = "guest.timer", interface = "Timer", source = (kernel = timer)),
          (name = "guest.echo", interface = "Echo",
           source = (service = (service = "echo", export = "api"))),
          (name = "guest.launcher", interface = "ProcessSpawner",
           source = (kernel = processSpawner)),
          (name = "operator.timer", interface = "Timer", source = (kernel = timer)),
          (name = "operator.echo", interface = "Echo",
           source = (service = (service = "echo", export = "api"))),
          (name = "operator.launcher", interface = "ProcessSpawner",
           source = (kernel = processSpawner)),
          (name = "operator.console", interface = "Console", source = (kernel = console)) ]),
        exports = [(name = "api", interface = "AuthorityBroker", cap = "api")],
        restart = ignore ),
      ( name = "sessmgr",
        process = (binary = "sessmgr", caps = [
          (name = "timer", interface = "Timer", source = (kernel = timer)),
          (name = "api", interface = "Endpoint", source = (kernel = endpoint)),
          (name = "broker", interface = "AuthorityBroker",
           source = (service = (service = "broker", export = "api"))),
          (name = "audit", interface = "AuditLog",
           source = (service = (service = "audit", export = "log"))) ]),
        exports = [(name = "api", interface = "SessionManager", cap = "api")],
        restart = ignore ),
      ( name = "shell",
        process = (binary = "shell", caps = [
          (name = "terminal", interface = "TerminalSession", source = (kernel = terminal)),
          (name = "sessions", interface = "SessionManager",
           source = (service = (service = "sessmgr", export = "api"))),
          (name = "stdio", interface = "Endpoint", source = (kernel = endpoint)),
          (name = "capmgr", interface = "CapabilityManager",
           source = (kernel = capabilityManager)) ]),
        # A fresh endpoint is granted as the interface an export serves on it (init
        # keeps that facet and uses it for nothing).
        exports = [(name = "stdio", interface = "StdIO", cap = "stdio")],
        badge = 1,
        restart = wait ),
    ],
  ),
  kernelParams = (logLevel = info, timerHz = 100),
  resourceProfiles = [(name = "default")],
);
