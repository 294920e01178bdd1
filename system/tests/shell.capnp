# capos-shell's focused boot (tests/qemu/shell_tests.py, docs/shell.md): the session
# services (echo, audit, credstore, sysinfo, broker, sessmgr; docs/sessions.md,
# docs/credentials.md) and the shell on the user terminal, its children being the demo
# programs hello, upper and spin. The broker's policy (its `<profile>.<name>` caps):
# anonymous a clock; guest a clock and the echo service; operator those, the
# `launcher` (ProcessSpawner), SystemInfo, SystemControl and a console. The services
# get no console of their own: COM2 carries only init's start-up lines and the shell.
#   capnp eval --binary -I. system/tests/shell.capnp shell

@0x9ac8a40b7f1035c3;

using M = import "/schema/manifest.capnp";

const shell :M.SystemManifest = (
  schemaVersion = 1,
  binaries = [(name = "init"), (name = "echo"), (name = "audit"), (name = "credstore"),
              (name = "sysinfo"), (name = "broker"), (name = "sessmgr"), (name = "shell"),
              (name = "hello"), (name = "upper"), (name = "spin")],
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
      ( name = "credstore",
        process = (binary = "credstore", profile = "credstore", caps = [
          (name = "api", interface = "Endpoint", source = (kernel = endpoint)),
          (name = "entropy", interface = "EntropySource", source = (kernel = entropySource)),
          (name = "vm", interface = "VirtualMemory", source = (kernel = virtualMemory)) ]),
        exports = [(name = "api", interface = "CredentialStore", cap = "api")],
        restart = ignore ),
      ( name = "sysinfo",
        process = (binary = "sysinfo", caps = [
          (name = "status", interface = "SystemStatus", source = (kernel = systemStatus)),
          (name = "api", interface = "Endpoint", source = (kernel = endpoint)) ]),
        exports = [(name = "api", interface = "SystemInfo", cap = "api")],
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
          (name = "operator.timer", interface = "Timer", source = (kernel = timer)),
          (name = "operator.echo", interface = "Echo",
           source = (service = (service = "echo", export = "api"))),
          (name = "operator.launcher", interface = "ProcessSpawner",
           source = (kernel = processSpawner)),
          (name = "operator.sysinfo", interface = "SystemInfo",
           source = (service = (service = "sysinfo", export = "api"))),
          (name = "operator.control", interface = "SystemControl",
           source = (kernel = systemControl)),
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
           source = (service = (service = "audit", export = "log"))),
          (name = "creds", interface = "CredentialStore",
           source = (service = (service = "credstore", export = "api"))),
          (name = "entropy", interface = "EntropySource", source = (kernel = entropySource)) ]),
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
  kernelParams = (logLevel = info, timerHz = 100, motd = "Welcome to the capOS shell test."),
  resourceProfiles = [
    (name = "default"),
    # Argon2id's 12 MiB (3072 pages) during a call, plus the program and its heap.
    (name = "credstore", capSlots = 64, framePages = 4096),
  ],
);
