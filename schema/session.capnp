# Sessions, the shell and its services (issue 7; docs/shell.md): the interfaces served
# in userspace by the services init starts from the manifest, and the StdIO endpoint a
# shell serves to the children it runs. Kernel interfaces (TerminalSession,
# EntropySource, SystemControl, SystemStatus) are in capos.capnp.
#
# Trust: the shell holds only its terminal, a SessionManager facet and its own
# endpoints; authority beyond that arrives as a session bundle. SessionManager is the
# only holder of the AuthorityBroker, CredentialStore and AuditLog writer facets, so the
# broker and the store trust their one caller, and a shell cannot mint, widen or forge
# a bundle (docs/shell.md "Sessions and bundles").
#
# Errors follow docs/abi.md §6: argument errors are invalidArgument CapExceptions with a
# CAPOS_ERR_* status; domain outcomes (wrong password, throttled) are result fields.

@0xc1d3a0b2e4f50617;

enum SessionProfile {
  # The authority class of a session; the broker's policy maps each to a bundle.
  anonymous @0;
  # Before login: almost nothing (the shell starts here).
  guest @1;
  # A narrow set, no password.
  operator @2;
  # The launcher, the service endpoints and shutdown.
}

interface StdIO {
  # A child's standard input and output, served by the shell that runs it (the child is
  # granted `stdio: client @stdio`). Output goes to the shell's terminal; input is the
  # terminal's lines while the child is in the foreground.
  write @0 (data :Data) -> ();
  # Write bytes (stdout and stderr), at most 4 KiB per call.
  readLine @1 () -> (line :Text, eof :Bool);
  # The next input line (without terminator); eof when the user typed Ctrl-D or the
  # child runs in the background.
}

enum VerifyOutcome {
  accepted @0;
  # The password matches the user's verifier.
  rejected @1;
  # No such user or the password does not match (indistinguishable, same cost).
}

enum SetupOutcome {
  created @0;
  # The volatile operator credential was added.
  alreadySetUp @1;
  # An operator credential exists: setup is a first-boot step only; nothing changed.
}

interface CredentialStore {
  # Argon2id password verifiers (docs/credentials.md). Passwords are never
  # stored, logged or returned; comparison is constant-time.
  verify @0 (user :Text, password :Text) -> (outcome :VerifyOutcome, profile :SessionProfile);
  # Check `password` for `user`; `profile` is meaningful only when accepted.
  setup @1 (user :Text, password :Text) -> (outcome :SetupOutcome);
  # Add a volatile (lost at reboot) operator credential when none exists.
  addUser @2 (user :Text, password :Text, profile :SessionProfile) -> ();
  # Add a volatile credential for a new user with `profile` (guest or operator); the
  # caller decides who may. Errors: a user that has one -> failed
  # (CAPOS_ERR_CRED_USER_EXISTS); every record in use -> overloaded
  # (CAPOS_ERR_CRED_TABLE_FULL); anonymous profile -> invalidArgument.
}

enum LoginOutcome {
  ok @0;
  # Authenticated; `session` is the new session.
  denied @1;
  # Wrong user or password (audited).
  throttled @2;
  # Too many recent failures: not checked; retry after `retryAfterNs`.
}

struct BundleCap {
  # One capability of a session bundle.
  name @0 :Text;
  # The name the shell shows and `@name` refers to.
  interfaceId @1 :UInt64;
  # The interface it is granted as.
  cap @2 :Capability;
}

interface SessionManager {
  # Authenticates users and mints sessions. A terminal holds one session at a time:
  # starting a new one ends the previous one (its bundle is revoked).
  anonymous @0 () -> (session :UserSession);
  # The session a shell starts in.
  login @1 (user :Text, password :Text) -> (outcome :LoginOutcome, session :UserSession, retryAfterNs :UInt64);
  # Authenticate through the CredentialStore; every attempt is audited (never the
  # password); failures are throttled per user with a growing delay.
  guest @2 () -> (session :UserSession);
  # A guest session (allowed by the broker's policy).
  setup @3 (user :Text, password :Text) -> (outcome :SetupOutcome);
  # First-boot: create the volatile operator credential (CredentialStore.setup), audited.
}

struct SessionInfo {
  id @0 :UInt64;
  # Unique for the boot, never reused.
  user @1 :Text;
  # Empty for anonymous, "guest" for guest.
  profile @2 :SessionProfile;
  startedNs @3 :UInt64;
  # Timer.now at start.
  active @4 :Bool;
  # False once ended (logout, replaced, revoked).
}

interface UserSession {
  # One session, served by the SessionManager.
  info @0 () -> (info :SessionInfo);
  bundle @1 () -> (caps :List(BundleCap));
  # The caps the broker's policy grants this session's profile, revocable: they are
  # revoked when the session ends. Calling again returns caps to the same grants.
  # An ended session: failed (CAPOS_ERR_SESSION_ENDED).
  logout @2 () -> ();
  # End the session: its bundle is revoked, the end is audited. Idempotent.
  record @3 (event :Text) -> ();
  # Append an audit record attributed to this session (e.g. the shell's spawns).
}

interface AuthorityBroker {
  # Maps a session profile to a shell bundle. The policy is data in the manifest: the
  # broker's own caps named `<profile>.<name>` (docs/shell.md). Called only by the
  # SessionManager, which authenticated the session.
  shellBundle @0 (sessionId :UInt64, profile :SessionProfile) -> (caps :List(BundleCap));
  # Revocable copies of the profile's caps, tied to `sessionId`.
  endSession @1 (sessionId :UInt64) -> (revoked :UInt32);
  # Revoke every cap minted for `sessionId` (in every process holding one).
}

enum AuditKind {
  loginOk @0;
  loginFailed @1;
  loginThrottled @2;
  sessionStart @3;
  sessionEnd @4;
  setup @5;
  spawn @6;
  other @7;
}

struct AuditRecord {
  seq @0 :UInt64;
  # Append order, from 1; a gap means records were dropped (bounded log).
  timeNs @1 :UInt64;
  kind @2 :AuditKind;
  sessionId @3 :UInt64;
  user @4 :Text;
  detail @5 :Text;
  # Never a password or secret.
}

interface AuditLog {
  # Append-only: the writer facet.
  append @0 (kind :AuditKind, sessionId :UInt64, user :Text, detail :Text) -> (seq :UInt64);
}

interface AuditReader {
  # Read facet of the same log (a separate endpoint): no way to append or erase.
  read @0 (fromSeq :UInt64, max :UInt32) -> (records :List(AuditRecord), nextSeq :UInt64, dropped :UInt64);
}

interface SystemInfo {
  # What a shell shows about the system.
  motd @0 () -> (text :Text);
  summary @1 () -> (summary :Capos.SystemSummary);
}

using Capos = import "capos.capnp";
