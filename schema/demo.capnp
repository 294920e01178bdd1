# The demo services of the default system (docs/demo.md): an echo service, a bounded
# key-value store and the callback interface a key-value client hands the store, so
# that the store calls the client back through an endpoint facet it received over IPC.
# Served by user/echo and user/kv through the libcapos server runtime
# (lib/include/libcapos/server.h); called by user/democlient.
#
# Error layering (docs/abi.md §6): a key or value longer than its bound is an argument
# error, an `invalidArgument` CapException whose `status` is CAPOS_ERR_DEMO_KEY_TOO_LONG
# / CAPOS_ERR_DEMO_VALUE_TOO_LONG; a full table is a domain outcome, reported in the
# results (`PutOutcome.tableFull`), like a missing key (`found = false`).

@0x967581781a83abbd;

interface Echo {
  # Answers with the text it was given.
  echo @0 (text :Text) -> (text :Text);
}

enum PutOutcome {
  stored @0;
  # A new key was added.
  replaced @1;
  # The key existed; its value was replaced.
  tableFull @2;
  # The key is new and the table has no free entry: nothing changed.
}

interface Notifier {
  # Implemented by a KeyValue client and handed to the store with `watch`.
  changed @0 (key :Text, value :Text) -> ();
  # `key` now holds `value` (called by the store after a put, before it answers the put).
}

interface KeyValue {
  # A bounded table of text keys (1..32 bytes) and values (0..128 bytes).
  put @0 (key :Text, value :Text) -> (outcome :PutOutcome);
  get @1 (key :Text) -> (value :Text, found :Bool);
  watch @2 (notifier :Notifier) -> ();
  # Call `notifier.changed` after every later successful put (one watcher; a second
  # watch replaces the first, whose cap the store releases).
}
