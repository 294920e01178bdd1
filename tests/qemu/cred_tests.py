#!/usr/bin/env python3
"""The CredentialStore service (user/credstore; docs/credentials.md).

Boots the focused manifest system/tests/cred.capnp: the real user/init starts
user/credstore (endpoint exported as CredentialStore, the kernel EntropySource for
salts) and user/credtest, which imports the store's facet. One boot per CPU count, judged from COM2
and COM1:

  cred-suite  one boot, the whole COM2 transcript exactly (each process's lines in
              order; the store's line for a call before the client's line for it):
                setup       setup -> created; a second setup (another user) ->
                            alreadySetUp and that user does not verify
                verify      right password -> accepted, operator; wrong -> rejected,
                            anonymous; unknown user -> rejected, anonymous, and it takes
                            over a quarter as long as the right password (the dummy
                            verifier: a miss costs one Argon2id run too, where a bare
                            lookup would take microseconds)
                arguments   33-byte and empty user: CAPOS_ERR_CRED_USER_LENGTH; "Root",
                            "ro ot", an embedded NUL: CAPOS_ERR_CRED_USER_CHARS; 129-byte
                            and empty password: CAPOS_ERR_CRED_PASSWORD_LENGTH; addUser
                            as anonymous: CAPOS_ERR_CRED_PROFILE (all invalidArgument)
                malformed   a non-struct root: invalidArgument
                            CAPOS_ERR_CAPNP_WRONG_POINTER_KIND; method 7: unimplemented
                table       seven addUser guests fill the 8 records; the ninth:
                            overloaded CAPOS_ERR_CRED_TABLE_FULL; a duplicate: failed
                            CAPOS_ERR_CRED_USER_EXISTS; a guest verifies as guest, the
                            refused one does not
                forged      slot 200: CAP_BAD_ID; a stale generation of the facet:
                            CAP_STALE; the facet called as Console: CAP_WRONG_INTERFACE
                after       the operator still verifies after all of it
                          and: no password credtest sent appears anywhere on COM1 or COM2; init
              exits 0 with frames and kernel objects at their baselines, clean shutdown.
  cred-hostile system/tests/credhostile.capnp: the store in a 1024-frame profile (too
              small for Argon2's 12 MiB) with salts from user/credrng, a scripted
              EntropySource double, driven by user/credhostile:
                setup while the source answers 15 bytes: failed CAPOS_ERR_CRED_SALT;
                while it is unseeded: failed CAPOS_ERR_ENTROPY_UNSEEDED (its status
                passed on); with good bytes but no frames for Argon2: overloaded
                CAPOS_ERR_NO_MEMORY (and not alreadySetUp: nothing was half-added);
                verify without frames: overloaded CAPOS_ERR_NO_MEMORY; the store then
                still answers (a bad user: CAPOS_ERR_CRED_USER_CHARS); no password on
                either port; baselines, clean shutdown.
The verify times credtest prints are the TCG wall figures of docs/credentials.md.
"""
import dataclasses
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BANNER, CLEAN_FORBIDDEN, EXIT_CLEAN, Boot  # noqa: E402
from exec_tests import com1_ok, com2_graph, started  # noqa: E402
from suite import Test, all_of, run_suite  # noqa: E402

CRED_DIR = os.path.join(harness.BUILD, "tests", "qemu", "cred")
MODULE = os.path.join(CRED_DIR, "cred.manifest")
HOSTILE_MODULE = os.path.join(CRED_DIR, "credhostile.manifest")
# Every password user/credtest sends (CT_SECRET, CT_WRONG, CT_OTHER, CT_GUEST_PW).
SECRETS = ["S3cret-Pw!capos", "S3cret-Pw!capoz", "another-Secret-9", "guest-Secret-7"]
TIMES = re.compile(r"^credtest: verify took \d+ ms \(right\), \d+ ms \(wrong\), "
                   r"\d+ ms \(unknown user\)$")
TIMES_SHOWN = "credtest: verify took N ms (right), N ms (wrong), N ms (unknown user)"


def ex(what, kind, status):
    return f"credtest: {what} -> {kind} ({status})"


def refused(call, status):
    return f"credstore: {call} refused: {status}"


def invalid(call, what, status):
    """The store's refusal, then the client's view of it."""
    return [refused(call, status), ex(what, "invalidArgument", status)]


def verify(user, label, verdict):
    seen = "accepted" if verdict.startswith("accepted") else "rejected"
    return [f"credstore: verify {user}: {seen}",
            f"credtest: verify {user} ({label}) -> {verdict}"]


def add(user):
    return [f"credstore: addUser {user}: created", f"credtest: addUser {user} -> CAPOS_OK"]


WANT = ([started("credstore", 2, 1),
         "credstore: serving (Argon2id t=6 m=12288 KiB p=1, 8 records)",
         started("credtest", 3, 0),
         "credstore: setup root: operator created", "credtest: setup root -> created",
         "credstore: setup admin: already set up", "credtest: setup admin -> alreadySetUp"]
        + verify("admin", "setup refused it", "rejected, anonymous")
        + verify("root", "right password", "accepted, operator")
        + verify("root", "wrong password", "rejected, anonymous")
        + verify("nobody", "unknown user", "rejected, anonymous")
        + [TIMES_SHOWN, "credtest: unknown user costs as much as a wrong password: ok"]
        + invalid("verify", "verify with a 33-byte user", "CAPOS_ERR_CRED_USER_LENGTH")
        + invalid("setup", "setup with an empty user", "CAPOS_ERR_CRED_USER_LENGTH")
        + invalid("verify", 'verify with user "Root"', "CAPOS_ERR_CRED_USER_CHARS")
        + invalid("verify", 'verify with user "ro ot"', "CAPOS_ERR_CRED_USER_CHARS")
        + invalid("setup", "setup with a NUL in the user", "CAPOS_ERR_CRED_USER_CHARS")
        + invalid("verify", "verify with a 129-byte password", "CAPOS_ERR_CRED_PASSWORD_LENGTH")
        + invalid("setup", "setup with an empty password", "CAPOS_ERR_CRED_PASSWORD_LENGTH")
        + invalid("addUser", "addUser with profile anonymous", "CAPOS_ERR_CRED_PROFILE")
        + [ex("verify with a non-struct root", "invalidArgument",
              "CAPOS_ERR_CAPNP_WRONG_POINTER_KIND"),
           ex("CredentialStore method 7", "unimplemented", "CAPOS_ERR_CAPNP_UNIMPLEMENTED")]
        + sum((add(f"guest{i}") for i in range(1, 8)), [])
        + [refused("addUser", "CAPOS_ERR_CRED_TABLE_FULL"),
           ex("addUser guest8", "overloaded", "CAPOS_ERR_CRED_TABLE_FULL"),
           refused("addUser", "CAPOS_ERR_CRED_USER_EXISTS"),
           ex("addUser root", "failed", "CAPOS_ERR_CRED_USER_EXISTS")]
        + verify("guest7", "its password", "accepted, guest")
        + verify("guest8", "never added", "rejected, anonymous")
        + ["credtest: verify through slot 200 -> CAPOS_ERR_CAP_BAD_ID",
           "credtest: verify through a stale generation -> CAPOS_ERR_CAP_STALE",
           "credtest: the store's facet called as Console -> CAPOS_ERR_CAP_WRONG_INTERFACE"]
        + verify("root", "after the hostile calls", "accepted, operator")
        + ["credtest: all checks passed",
           'init: exec: service "credtest" exited 0',
           'init: exec: service "credstore" was killed (stopped: the graph is done)',
           "init: exec: graph done: 2 services started, status 0",
           "init: done, exiting 0"])

# The store answers a call before the client prints its answer; the client's end after
# its last line, the store's kill after the client's end.
ORDER = ([(i, i + 1) for i, w in enumerate(WANT[:-5])
          if w.startswith("credstore: ") and WANT[i + 1].startswith("credtest: ")]
         + [(WANT.index("credtest: all checks passed"),
             WANT.index('init: exec: service "credtest" exited 0'))])


HOSTILE = [started("credrng", 2, 1), started("credstore", 3, 1), started("credhostile", 4, 0),
           "credrng: call 1: 48 bytes",
           "credstore: serving (Argon2id t=6 m=12288 KiB p=1, 8 records)",
           "credrng: call 2: 15 bytes", refused("setup", "CAPOS_ERR_CRED_SALT"),
           "credhostile: setup, salt source answers 15 bytes -> failed (CAPOS_ERR_CRED_SALT)",
           "credrng: call 3 (16 bytes): refused, unseeded",
           refused("setup", "CAPOS_ERR_ENTROPY_UNSEEDED"),
           "credhostile: setup, salt source unseeded -> failed (CAPOS_ERR_ENTROPY_UNSEEDED)",
           "credrng: call 4: 16 bytes", refused("setup", "CAPOS_ERR_NO_MEMORY"),
           "credhostile: setup, Argon2 memory over the frame quota -> overloaded "
           "(CAPOS_ERR_NO_MEMORY)",
           refused("verify", "CAPOS_ERR_NO_MEMORY"),
           "credhostile: verify, Argon2 memory over the frame quota -> overloaded "
           "(CAPOS_ERR_NO_MEMORY)",
           refused("verify", "CAPOS_ERR_CRED_USER_CHARS"),
           'credhostile: verify with user "Root" afterwards -> invalidArgument '
           "(CAPOS_ERR_CRED_USER_CHARS)",
           "credhostile: all checks passed",
           'init: exec: service "credhostile" exited 0',
           'init: exec: service "credrng" was killed (stopped: the graph is done)',
           'init: exec: service "credstore" was killed (stopped: the graph is done)',
           "init: exec: graph done: 3 services started, status 0",
           "init: done, exiting 0"]
# Each salt answer before the store's verdict on it, each verdict before the client's.
HOSTILE_ORDER = [(3, 4), (5, 6), (6, 7), (8, 9), (9, 10), (11, 12), (12, 13), (14, 15), (16, 17),
                 (18, 19)]


def com2_transcript(result):
    """COM2 exactly as WANT, the measured times normalised (they vary run to run)."""
    com2 = "\n".join(TIMES_SHOWN if TIMES.match(line) else line
                     for line in result.com2.splitlines())
    judge = com2_graph("cred", 2, 12, WANT, ORDER, path=MODULE)
    return judge(dataclasses.replace(result, com2=com2))


def no_secrets(result):
    """No password credtest sent appears in either serial output."""
    com1 = "\n".join(line for _, line in result.com1)
    return [f"password {s[:3]}... appears on {port}" for s in SECRETS
            for port, text in (("COM1", com1), ("COM2", result.com2)) if s in text]


TESTS = [
    Test("cred-suite", "CredentialStore: setup once, verify right/wrong/unknown (same "
         "cost), exact argument statuses, malformed and unimplemented calls, table full and "
         "duplicate, forged/stale/wrong-interface caps; keeps serving; no password on the "
         "serial ports; baselines, clean shutdown",
         Boot(mode="direct", mem="128M", timeout=180, modules=[MODULE]),
         [BANNER, "[proc] credtest pid 3 exited: code 0 "] + com1_ok(2),
         CLEAN_FORBIDDEN, EXIT_CLEAN, all_of(com2_transcript, no_secrets)),
    Test("cred-hostile", "CredentialStore under a failing salt source and a frame quota too "
         "small for Argon2: exact typed errors (CRED_SALT, ENTROPY_UNSEEDED passed on, "
         "NO_MEMORY), nothing half-added, keeps serving; baselines, clean shutdown",
         Boot(mode="direct", mem="128M", timeout=90, modules=[HOSTILE_MODULE]),
         [BANNER, "[proc] credhostile pid 4 exited: code 0 "] + com1_ok(3),
         CLEAN_FORBIDDEN, EXIT_CLEAN,
         all_of(com2_graph("credhostile", 3, 13, HOSTILE, HOSTILE_ORDER, path=HOSTILE_MODULE),
                no_secrets)),
]

if __name__ == "__main__":
    sys.exit(run_suite(TESTS))
