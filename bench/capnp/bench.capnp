# Benchmark message set for lib/capnp vs the official C++ library (bench/capnp).
# Call: an RPC-sized invocation; Batch: a list of records with text, data, nested lists.
@0xb3a5c2f1e4d7a901;

struct Item {
  id @0 :UInt64;
  name @1 :Text;
  flags @2 :UInt32;
  score @3 :Float64;
  tags @4 :List(Text);
  payload @5 :Data;
  active @6 :Bool;
}

struct Batch {
  items @0 :List(Item);
  note @1 :Text;
  seq @2 :UInt64;
}

struct Args {
  a @0 :UInt64;
  b @1 :UInt64;
}

struct Call {
  interfaceId @0 :UInt64;
  methodId @1 :UInt16;
  target @2 :UInt32;
  params @3 :Args;
}
