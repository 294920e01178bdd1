#!/usr/bin/env python3
"""The session services (user/audit, user/broker, user/sessmgr; schema/session.capnp;
docs/sessions.md) under init's executor, with user/sesstest playing the shell.

  session-services  the focused manifest system/tests/session.capnp: echo, audit,
               sysinfo, credstore (Argon2id), broker (policy = its CapSet's
               <profile>.<name> entries), sessmgr (with the store and the kernel
               EntropySource) and sesstest (terminal 7). Judged from COM2: every
               sesstest check line exactly, in order (anonymous and guest bundles
               exactly their policy and usable; setup, three wrong passwords denied,
               the fourth attempt throttled without reaching the store, the
               retry-after honoured, then the operator bundle (timer, echo, console,
               sysinfo) usable and revoked by logout; replacement and logout revoke every bundle copy
               (CAP_REVOKED), also the copy a child (user/sesschild) holds, ended sessions answer SESSION_ENDED, login/setup
               argument errors, the audit log read back record by record, no record
               with a password, the read bound, overflow dropping the oldest; hostile
               forged/released/wrong-interface caps, an unknown method, a truncated
               message, refused record text, a revoked cap sent along; the services
               still answering), the services' own lines for the same events, and
               neither password anywhere on COM1 or COM2 (session ids, random, and
               the throttle's "retry in N ms" are normalised); from COM1: sesstest exits 0,
               no endpoint or call record left, baselines, clean shutdown.

CAPOS_BOOT_FILTER=substr runs a subset.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, SHUTDOWN_OK, Boot  # noqa: E402
from suite import Test, lines_differ, run_suite  # noqa: E402

MODULE = os.path.join(harness.BUILD, "tests", "qemu", "session", "session.manifest")
PASSWORDS = ("hunter2-Correct-Horse", "wrong-Battery-Staple")  # user/sesstest/sesstest.h

# Lines the services print once at start, in whatever order the processes first run.
STARTUP_LINES = {
    'broker: policy: anonymous 1, guest 2, operator 4 caps',
    'credstore: serving (Argon2id t=6 m=12288 KiB p=1, 8 records)',
}

# Everything but init's lines and STARTUP_LINES, in order, with session ids replaced by
# S<n> in order of appearance (normalize_sessions): the calls are synchronous, so the
# order is causal. The flood is 70 `record` calls overflowing the 64-record log.
FLOOD_FIRST_SEQ, FLOOD = 23, 70
TRANSCRIPT = """
audit: #1 sessionStart session S0 user "" anonymous
sessmgr: terminal 7: session S0 started (anonymous, user "")
sesstest: anonymous session: ok
sesstest: anonymous: active, no user, profile anonymous: ok
broker: session S0 (anonymous): bundle of 1 caps
sessmgr: session S0: bundle of 1 caps
sesstest: anonymous bundle is exactly the policy: timer: ok
sesstest: anonymous bundle usable: ok
audit: #2 other session S0 user "" hello from anonymous
sesstest: anonymous: record: ok
broker: session S0 ended: 1 caps revoked
sessmgr: session S0 ended: replaced, 1 caps revoked
audit: #3 sessionEnd session S0 user "" replaced, 1 caps revoked
audit: #4 sessionStart session S1 user "guest" guest
sessmgr: terminal 7: session S1 started (guest, user "guest")
sesstest: guest session (replaces anonymous on this terminal): ok
sesstest: guest: active, user guest, profile guest: ok
sesstest: replaced anonymous: info after the end reads inactive: ok
sesstest: replaced anonymous: bundle after the end -> SESSION_ENDED: ok
sesstest: replaced anonymous: record after the end -> SESSION_ENDED: ok
sesstest: replaced anonymous: its bundle cap -> CAP_REVOKED: ok
broker: session S1 (guest): bundle of 2 caps
sessmgr: session S1: bundle of 2 caps
sesstest: guest bundle is narrow: timer,echo: ok
echo: echo "through a bundle" (badge 0)
sesstest: guest bundle usable: ok
broker: session S1 (guest): bundle of 2 caps
sessmgr: session S1: bundle of 2 caps
sesstest: guest bundle again: the same grants: ok
echo: echo "through a bundle" (badge 0)
sesstest: second guest bundle usable: ok
audit: #5 spawn session S1 user "guest" spawn echo-client
sesstest: guest: record a spawn: ok
echo: echo "from a child" (badge 0)
sesschild: bundle copy before logout -> CAPOS_OK
broker: session S1 ended: 5 caps revoked
sessmgr: session S1 ended: logout, 5 caps revoked
audit: #6 sessionEnd session S1 user "guest" logout, 5 caps revoked
sesschild: bundle copy after logout -> CAPOS_ERR_CAP_REVOKED
sesstest: guest: logout while a child holds a copy of echo: the child saw it revoked: ok
sesstest: after logout: first bundle -> CAP_REVOKED: ok
sesstest: after logout: second bundle -> CAP_REVOKED: ok
sesstest: guest: logout again (idempotent): ok
sesstest: logged-out guest: info after the end reads inactive: ok
sesstest: logged-out guest: bundle after the end -> SESSION_ENDED: ok
sesstest: logged-out guest: record after the end -> SESSION_ENDED: ok
sessmgr: login refused: CAPOS_ERR_SESSION_USER_NAME
sesstest: login with an empty user -> SESSION_USER_NAME: ok
sessmgr: login refused: CAPOS_ERR_SESSION_USER_NAME
sesstest: login with a space in the user -> SESSION_USER_NAME: ok
sessmgr: login refused: CAPOS_ERR_SESSION_PASSWORD_LONG
sesstest: login with a 300-byte password -> SESSION_PASSWORD_LONG: ok
credstore: setup operator: operator created
sessmgr: setup "operator": created
audit: #7 setup session 0 user "operator" created
sesstest: setup operator -> created: ok
credstore: setup operator: already set up
sessmgr: setup "operator": alreadySetUp
audit: #8 setup session 0 user "operator" alreadySetUp
sesstest: setup again -> alreadySetUp: ok
credstore: verify operator: rejected
sessmgr: login "operator": denied
audit: #9 loginFailed session 0 user "operator" denied
credstore: verify operator: rejected
sessmgr: login "operator": denied
audit: #10 loginFailed session 0 user "operator" denied
credstore: verify operator: rejected
sessmgr: login "operator": denied
audit: #11 loginFailed session 0 user "operator" denied
sesstest: three wrong passwords -> denied: ok
sessmgr: login "operator": throttled, retry in N ms
audit: #12 loginThrottled session 0 user "operator" throttled, retry in N ms
sesstest: fourth attempt (right password) -> throttled, retry within 1 s: ok
sesstest: wait the retry-after: ok
credstore: verify operator: accepted
audit: #13 loginOk session 0 user "operator" operator
audit: #14 sessionStart session S2 user "operator" operator
sessmgr: terminal 7: session S2 started (operator, user "operator")
sesstest: login after the wait -> ok: ok
sesstest: operator: active, user operator, profile operator: ok
broker: session S2 (operator): bundle of 4 caps
sessmgr: session S2: bundle of 4 caps
sesstest: operator bundle: timer,echo,console,sysinfo: ok
echo: echo "through a bundle" (badge 0)
sesstest: a line through the operator console
sesstest: operator bundle usable: ok
broker: session S2 ended: 4 caps revoked
sessmgr: session S2 ended: logout, 4 caps revoked
audit: #15 sessionEnd session S2 user "operator" logout, 4 caps revoked
sesstest: operator: logout: ok
sesstest: after logout: operator bundle -> CAP_REVOKED: ok
sesstest: logged-out operator: info after the end reads inactive: ok
sesstest: logged-out operator: bundle after the end -> SESSION_ENDED: ok
sesstest: logged-out operator: record after the end -> SESSION_ENDED: ok
sesstest: audit #1 sessionStart S0 user "" anonymous
sesstest: audit #2 other S0 user "" hello from anonymous
sesstest: audit #3 sessionEnd S0 user "" replaced, 1 caps revoked
sesstest: audit #4 sessionStart S1 user "guest" guest
sesstest: audit #5 spawn S1 user "guest" spawn echo-client
sesstest: audit #6 sessionEnd S1 user "guest" logout, 5 caps revoked
sesstest: audit #7 setup - user "operator" created
sesstest: audit #8 setup - user "operator" alreadySetUp
sesstest: audit #9 loginFailed - user "operator" denied
sesstest: audit #10 loginFailed - user "operator" denied
sesstest: audit #11 loginFailed - user "operator" denied
sesstest: audit #12 loginThrottled - user "operator" throttled, retry in N ms
sesstest: audit #13 loginOk - user "operator" operator
sesstest: audit #14 sessionStart S2 user "operator" operator
sesstest: audit #15 sessionEnd S2 user "operator" logout, 4 caps revoked
sesstest: audit log read back: seq 1.. without gaps, nothing dropped: ok
sesstest: no audit record holds a password: ok
sesstest: read with max 1000 returns at most 16: ok
sesstest: read past the end: nothing, nextSeq is the next append: ok
audit: #16 sessionStart session S3 user "" anonymous
sessmgr: terminal 7: session S3 started (anonymous, user "")
sesstest: released session cap -> CAP_STALE: ok
sessmgr: session S3 ended: replaced, 0 caps revoked
audit: #17 sessionEnd session S3 user "" replaced, 0 caps revoked
audit: #18 sessionStart session S4 user "" anonymous
sessmgr: terminal 7: session S4 started (anonymous, user "")
sesstest: anonymous session for the hostile calls: ok
sesstest: forged cap id -> CAP_BAD_ID: ok
sesstest: SessionManager facet called as UserSession -> CAP_WRONG_INTERFACE: ok
sesstest: UserSession method 9 -> unimplemented: ok
sesstest: login with a truncated message -> invalidArgument (TRUNCATED_FRAMING): ok
sessmgr: record refused: CAPOS_ERR_AUDIT_TEXT
sesstest: record of 65 bytes -> AUDIT_TEXT: ok
audit: append refused: CAPOS_ERR_AUDIT_TEXT
sessmgr: audit append failed: CAPOS_ERR_AUDIT_TEXT
sessmgr: record refused: CAPOS_ERR_AUDIT_TEXT
sesstest: record with a control byte -> AUDIT_TEXT: ok
broker: session S4 (anonymous): bundle of 1 caps
sessmgr: session S4: bundle of 1 caps
broker: session S4 ended: 1 caps revoked
sessmgr: session S4 ended: logout, 1 caps revoked
audit: #19 sessionEnd session S4 user "" logout, 1 caps revoked
sesstest: a revoked bundle cap sent with a call -> CAP_REVOKED: ok
audit: #20 sessionStart session S5 user "" anonymous
sessmgr: terminal 7: session S5 started (anonymous, user "")
broker: session S5 (anonymous): bundle of 1 caps
sessmgr: session S5: bundle of 1 caps
sesstest: services still answer: a fresh anonymous session and bundle work: ok
broker: session S5 ended: 1 caps revoked
sessmgr: session S5 ended: replaced, 1 caps revoked
audit: #21 sessionEnd session S5 user "" replaced, 1 caps revoked
audit: #22 sessionStart session S6 user "" anonymous
sessmgr: terminal 7: session S6 started (anonymous, user "")
""".strip().splitlines() + [
    f'audit: #{FLOOD_FIRST_SEQ + i} other session S6 user "" flood' for i in range(FLOOD)
] + """
sesstest: overflow: the oldest dropped and counted, the newest 64 kept, seq not reused: ok
sesstest: all checks passed
""".strip().splitlines()

IPC_CLEAN = re.compile(r"^\[ipc\] handoffs \d+, endpoints live 0, call records live 0$")
BASELINE = re.compile(r"^\[init\] all processes gone, free frames (\d+) \(baseline \1\)$")
OBJECTS = re.compile(r"^\[init\] kernel objects (\d+) \(baseline \1\), processes 0$")


def normalize_sessions(lines):
    """Session ids (counter or random) as S0, S1, ... in order of first appearance."""
    names = {}

    def name(m):
        return m.group(1) + names.setdefault(m.group(2), f"S{len(names)}")
    return [re.sub(r"retry in \d+ ms", "retry in N ms", re.sub(r"(session )([1-9]\d*)", name, line))
            for line in lines]


def judge(result):
    others = [line for line in result.com2.splitlines() if not line.startswith("init: ")]
    startup = [line for line in others if line in STARTUP_LINES]
    problems = [f"missing at start: {line!r}" for line in STARTUP_LINES if line not in startup]
    stream = normalize_sessions([line for line in others if line not in STARTUP_LINES])
    problems += lines_differ(stream, TRANSCRIPT, "services")[:8]
    com1 = "\n".join(line for _, line in result.com1)
    for pw in PASSWORDS:
        if pw in result.com2 or pw in com1:
            problems.append(f"the password {pw!r} appears in the serial output")
    return problems


TESTS = [
    Test("session-services", "anonymous/guest/login flows, bundles revoked at the end of "
         "a session, audit read back without passwords, hostile caps and params; "
         "services keep answering; baselines, clean shutdown",
         Boot(mode="direct", mem="128M", timeout=120, modules=[MODULE]),
         [BANNER, "[proc] sesstest pid 8 exited: code 0", IPC_CLEAN,
          "[init] exited with status 0", BASELINE, OBJECTS, "[init] revocation nodes left: 0",
          SHUTDOWN_OK],
         forbid=CLEAN_FORBIDDEN, status=EXIT_CLEAN, judge=judge),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
