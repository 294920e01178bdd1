#!/usr/bin/env python3
"""capos-shell on the user terminal (user/shell, docs/shell.md), scripted through
harness.Terminal (COM2).

Boots the focused manifest system/tests/shell.capnp: the session services (echo,
audit, broker, sessmgr) and the shell; its children are the demo programs of
user/hello, user/upper and user/spin (libcapos standard streams over StdIO).

  shell-suite  one boot (-smp 1), every step typed and its answer matched on COM2:
    anonymous   `caps` lists exactly terminal, sessions, stdio, capmgr, (session) and
                the anonymous bundle's timer; `run` (no launcher), `motd` and
                `shutdown` refused with CAPOS_ERR_SHELL_NOT_PERMITTED
    login       username, hidden password (only CR LF echoed): the SessionManager of
                this manifest has no CredentialStore (CAPOS_ERR_SESSION_NO_STORE);
                setup with two different passwords changes nothing; the password
                appears nowhere on COM1 or COM2
    malformed   unknown command, unterminated brace and quote, badge relabeling,
                duplicate grant names, `kill 0`: one line each with the exact code
    guest       `guest`: the prompt changes and `caps` shows the narrow bundle
                (timer, echo, launcher)
    run         `run hello with { stdio: client @stdio }`: greeting, a name typed, the
                answer, exit 0; `run upper ...`: a line in, upper-cased out, Ctrl-D
                ends its input, exit 0
    ambient     `run hello` with no grants: no stdout at all, exit 1
    grants      an unknown @cap, `client` of a bundle cap, a plain copy of @stdio and
                an unknown binary are refused with their exact codes
    ctrl-c      Ctrl-C while upper is blocked in StdIO.readLine (held by the shell) and
                while spin runs: killed, prompt back
    spawn       `spawn upper` in the background (its readLine gets eof, it exits 0),
                `ps`, `kill` of an unknown job (CAPOS_ERR_NOT_FOUND)
    logout      the bundle is revoked: `run` with the ended launcher answers
                CAPOS_ERR_CAP_REVOKED and `caps` marks the ended caps (revoked)
    terminal    a 300-byte line and a line with control bytes are refused whole
                (CAPOS_ERR_SHELL_BAD_LINE); echo; Ctrl-D at the prompt ends the shell
  and from COM1: the shell exits 0, init ends the services, clean shutdown.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import ScriptTest, run_suite  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "shell", "shell.manifest")
PASSWORD = "Tr0ub4dor-shell"  # typed at hidden prompts: must appear nowhere
CAPS_ROW = re.compile(r"^  \d+\s+(\S+)\s+(\S+)( \(revoked\))?$")


def crlf(text):
    """The shell prints "\\n" as "\\r\\n" (a serial terminal needs the CR)."""
    return text.replace("\n", "\r\n")


def command(t, prompt, line, want, raw=False):
    """At `prompt`, type `line` (echoed with CR LF) and expect exactly `want`: shell
    output ("\\n" sent as CR LF) or, `raw`, a child's bytes as it wrote them."""
    t.expect_exact(prompt)
    t.send(line.encode() + b"\r")
    t.expect_exact(line + "\r\n" + (want if raw else crlf(want)))


def caps_rows(t, prompt):
    """`caps` at `prompt`: {name: (interface, revoked)} of every row."""
    t.expect_exact(prompt)
    t.send(b"caps\r")
    t.expect_exact("caps\r\n" + crlf("  SLOT  NAME               INTERFACE\n"))
    # The rows, once the next prompt shows they are complete (the prompt stays unread).
    rows_then_prompt = re.compile(rb"(?:  \d+[^\r\n]*\r\n)+(?=" + re.escape(prompt.encode()) + rb")")
    text = t.expect(rows_then_prompt, timeout=10).group(0).decode()
    rows = {}
    for line in text.split("\r\n"):
        m = CAPS_ROW.match(line)
        if m:
            rows[m.group(1)] = (m.group(2), bool(m.group(3)))
    return rows


def expect_caps(problems, step, rows, want):
    if rows != want:
        problems.append(f"{step}: caps {rows}, expected {want}")


def anonymous(t, problems):
    # init's own console lines come first (COM2 is also the Console).
    t.expect(crlf("capOS shell: type `help`; `setup` then `login` for an operator "
                  "session\n"), timeout=60)
    rows = caps_rows(t, "anonymous> ")
    expect_caps(problems, "anonymous", rows, {
        "terminal": ("TerminalSession", False), "sessions": ("SessionManager", False),
        "stdio": ("Endpoint", False), "capmgr": ("CapabilityManager", False),
        "(session)": ("UserSession", False), "timer": ("Timer", False)})
    command(t, "anonymous> ", "run hello with { stdio: client @stdio }",
            "run: CAPOS_ERR_SHELL_NOT_PERMITTED\n")
    command(t, "anonymous> ", "motd", "motd: CAPOS_ERR_SHELL_NOT_PERMITTED\n")
    command(t, "anonymous> ", "shutdown", "shutdown: CAPOS_ERR_SHELL_NOT_PERMITTED\n")


def credentials(t):
    """login/setup prompt for a user and a hidden password; this manifest grants the
    SessionManager no CredentialStore, so it refuses them with its typed code."""
    p = "anonymous> "
    command(t, p, "login", "username: ")
    t.send(b"op\r")
    t.expect_exact("op\r\n" + "password: ")
    t.send(PASSWORD.encode() + b"\r")
    t.expect_exact("\r\n" + crlf("login: CAPOS_ERR_SESSION_NO_STORE\n"))
    command(t, p, "setup", "username: ")
    t.send(b"op\r")
    t.expect_exact("op\r\npassword: ")
    t.send(PASSWORD.encode() + b"\r")
    t.expect_exact("\r\npassword again: ")
    t.send(PASSWORD.encode() + b"x\r")
    t.expect_exact("\r\n" + crlf("setup: the passwords differ; nothing changed\n"))


def no_password(result):
    """The hidden password never appears on COM2 (no echo, never printed) or COM1."""
    where = [name for name, out in (("COM2", result.com2),
                                    ("COM1", "\n".join(line for _, line in result.com1)))
             if PASSWORD in out]
    return [f"the hidden password appears on {w}" for w in where]


def malformed(t):
    p = "anonymous> "
    command(t, p, "frobnicate", 'shell: unknown command (try `help`) "frobnicate" '
            "(CAPOS_ERR_SHELL_UNKNOWN_COMMAND)\n")
    command(t, p, "run hello with { stdio: client @stdio",
            "shell: grant list without its closing `}` (CAPOS_ERR_SHELL_GRANT_SYNTAX)\n")
    command(t, p, 'echo "open', 'shell: string without its closing quote "open" '
            "(CAPOS_ERR_SHELL_BAD_LINE)\n")
    command(t, p, "run hello with { stdio: client @stdio badge 7 }",
            'shell: badge relabeling is refused "badge" (CAPOS_ERR_SHELL_GRANT_BADGE)\n')
    command(t, p, "run hello with { a: @timer, a: @timer }",
            'shell: grant name used twice "a" (CAPOS_ERR_SHELL_GRANT_DUPLICATE)\n')
    command(t, p, "kill 0", 'shell: usage: kill JOB "0" (CAPOS_ERR_SHELL_USAGE)\n')


def guest_runs(t, problems):
    command(t, "anonymous> ", "guest", "guest session started\n")
    rows = caps_rows(t, "guest> ")
    bundle = {k: v for k, v in rows.items()
              if k not in ("terminal", "sessions", "stdio", "capmgr", "(session)")}
    expect_caps(problems, "guest", bundle, {"timer": ("Timer", False), "echo": ("Echo", False),
                                            "launcher": ("ProcessSpawner", False)})
    p = "guest> "
    # hello (user/hello): output, one line of input, exit 0.
    command(t, p, "run hello with { stdio: client @stdio }",
            "Hello from capOS!\nWhat is your name? ", raw=True)
    t.send(b"Ada\r")
    t.expect_exact("Ada\r\nNice to meet you, Ada.\n" + crlf("[1] hello: exit 0\n"))
    # upper: lines in, upper-cased lines out, Ctrl-D ends its input.
    command(t, p, "run upper with { stdio: client @stdio }", "", raw=True)
    t.send(b"abc\r")
    t.expect_exact("abc\r\nABC\n")
    t.send(b"\x04")
    t.expect_exact(crlf("[2] upper: exit 0\n"))
    # No ambient authority: without a grant hello has no stdout at all.
    command(t, p, "run hello", "[3] hello: exit 1\n")
    command(t, p, "run hello with { s: @nosuch }",
            'run: no cap of that name (see `caps`) "nosuch" (CAPOS_ERR_SHELL_GRANT_CAP)\n')
    command(t, p, "run hello with { e: client @echo }",
            'run: `client` needs an endpoint this shell serves "echo" '
            "(CAPOS_ERR_SHELL_GRANT_CAP)\n")
    command(t, p, "run hello with { s: @stdio }",
            'run: the shell\'s own endpoint is granted as `client @name` "stdio" '
            "(CAPOS_ERR_SHELL_GRANT_CAP)\n")
    command(t, p, "run nosuchbinary", "run: CAPOS_ERR_SPAWN_UNKNOWN_BINARY\n")
    # Ctrl-C while the child is blocked in StdIO.readLine (held by the shell) ...
    command(t, p, "run upper with { stdio: client @stdio }", "", raw=True)
    t.send(b"\x03")
    t.expect_exact("^C\r\n" + crlf("[4] upper: killed\n"))
    # ... and while it runs (spin writes a tick every 200 ms).
    command(t, p, "run spin with { stdio: client @stdio }", "spin: tick 1\n", raw=True)
    t.expect("spin: tick 2\n")
    t.send(b"\x03")
    t.expect("^C\r\n")
    t.expect(crlf("[5] spin: killed\n"))
    # In the background its readLine answers eof at once. The shell serves the child
    # only from its event loop, so the child's end follows the next prompt.
    t.expect_exact(p)
    t.send(b"spawn upper with { stdio: client @stdio }\r")
    t.expect_exact("spawn upper with { stdio: client @stdio }\r\n")
    t.expect(re.compile(rb"\[6\] upper: pid \d+\r\n"))
    t.expect_exact(p + crlf("[6] upper: exit 0\n"))
    t.send(b"ps\r")
    t.expect_exact("ps\r\n" + crlf("JOB  PID  NAME\n"))
    command(t, p, "kill 9", "kill: CAPOS_ERR_NOT_FOUND\n")


def logout(t, problems):
    command(t, "guest> ", "logout", "logged out: the session's caps are revoked\n")
    command(t, "anonymous> ", "run hello with { stdio: client @stdio }",
            "run: CAPOS_ERR_CAP_REVOKED\n")
    rows = caps_rows(t, "anonymous> ")
    for name in ("launcher", "echo"):
        if rows.get(name, ("", False))[1] is not True:
            problems.append(f"logout: {name} not shown revoked: {rows.get(name)}")


def terminal_edges(t):
    p = "anonymous> "
    t.expect_exact(p)
    t.send(b"a" * 300 + b"\r")
    t.expect_exact("a" * 256 + "\a" * 44 + "\r\n" + crlf(
        "shell: line longer than 256 bytes, ignored (CAPOS_ERR_SHELL_BAD_LINE)\n"))
    t.expect_exact(p)
    t.send(b"ec\x01ho\xff hi\r")
    t.expect_exact("echo hi\r\n" + crlf(
        "shell: 2 control or invalid bytes in the line, ignored (CAPOS_ERR_SHELL_BAD_LINE)\n"))
    command(t, p, 'echo one "two  three"', "one two  three\n")
    t.expect_exact(p)
    t.send(b"\x04")
    t.expect_exact(crlf("shell: end of input\n"))


def script(t):
    problems = []
    anonymous(t, problems)
    credentials(t)
    malformed(t)
    guest_runs(t, problems)
    logout(t, problems)
    terminal_edges(t)
    return problems


TESTS = [
    ScriptTest("shell-suite", "capos-shell: anonymous caps minimal, privileged commands "
               "refused, malformed lines with exact codes, guest bundle, run with a "
               "granted StdIO (output, input, eof), no ambient authority, grant "
               "refusals, Ctrl-C kills the foreground child, spawn/ps/kill, logout "
               "revokes (CAP_REVOKED), long line, garbage and EOF at the prompt",
               Boot(mode="direct", mem="128M", smp=1, timeout=120, modules=[MODULE]),
               script,
               [BANNER, "[init] exited with status 0", SHUTDOWN_OK],
               CLEAN_FORBIDDEN, EXIT_CLEAN, no_password),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
