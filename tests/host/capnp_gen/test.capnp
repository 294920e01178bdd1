# Test schema for tools/capnpc-c: one of every type, default and layout feature the
# generator handles (primitives with XOR'd defaults, enums, Text/Data with defaults,
# struct and list defaults, anonymous and named unions, nested groups, nested structs,
# lists of every element kind, capabilities, AnyPointer, constants, an interface with
# methods). Used by the golden, id, round-trip and hostile tests in this directory.

@0x999cbc0fcbbba3a4;

enum Color {
  red @0;
  green @1;
  blue @2;
}

struct Inner {
  # A small nested struct.
  id @0 :UInt32;
  label @1 :Text;
  tags @2 :List(Text);
}

struct AllTypes {
  # Every field kind, no explicit defaults.
  voidField @0 :Void;
  boolField @1 :Bool;
  int8Field @2 :Int8;
  int16Field @3 :Int16;
  int32Field @4 :Int32;
  int64Field @5 :Int64;
  uInt8Field @6 :UInt8;
  uInt16Field @7 :UInt16;
  uInt32Field @8 :UInt32;
  uInt64Field @9 :UInt64;
  float32Field @10 :Float32;
  float64Field @11 :Float64;
  textField @12 :Text;
  dataField @13 :Data;
  structField @14 :Inner;
  enumField @15 :Color;
  anyField @16 :AnyPointer;
  capField @17 :Capability;
  ifaceField @18 :Calculator;

  boolList @19 :List(Bool);
  int8List @20 :List(Int8);
  int16List @21 :List(Int16);
  int32List @22 :List(Int32);
  int64List @23 :List(Int64);
  uInt8List @24 :List(UInt8);
  uInt16List @25 :List(UInt16);
  uInt32List @26 :List(UInt32);
  uInt64List @27 :List(UInt64);
  float32List @28 :List(Float32);
  float64List @29 :List(Float64);
  textList @30 :List(Text);
  dataList @31 :List(Data);
  structList @32 :List(Inner);
  enumList @33 :List(Color);
  voidList @34 :List(Void);
  listList @35 :List(List(Int32));

  union {
    # An anonymous union.
    none @36 :Void;
    number @37 :Int64;
    word @38 :Text;
    inner @39 :Inner;
  }

  outer :group {
    # A group with a named union and a nested group.
    depth @40 :UInt16 = 7;
    choice :union {
      left @41 :UInt32;
      right :group {
        a @42 :Int8 = -3;
        b @43 :Text;
      }
      nothing @44 :Void;
    }
  }
}

struct Defaults {
  # Explicit defaults: stored XOR'd on the wire.
  b @0 :Bool = true;
  i8 @1 :Int8 = -123;
  i16 @2 :Int16 = -12345;
  i32 @3 :Int32 = -1234567;
  i64 @4 :Int64 = -123456789012345;
  u8 @5 :UInt8 = 200;
  u16 @6 :UInt16 = 60000;
  u32 @7 :UInt32 = 4000000000;
  u64 @8 :UInt64 = 0xfedcba9876543210;
  f32 @9 :Float32 = 1.5;
  f64 @10 :Float64 = -2.25;
  text @11 :Text = "hello \"world\"\n";
  data @12 :Data = 0x"00 01 fe ff";
  inner @13 :Inner = (id = 42, label = "answer", tags = ["x", "y"]);
  ints @14 :List(Int32) = [1, -2, 3];
  inners @15 :List(Inner) = [(id = 1), (id = 2, label = "two")];
  color @16 :Color = blue;
  bits @17 :List(Bool) = [true, false, true];
}

struct Older {
  # A prefix of Newer (same ordinals), to test struct size evolution.
  a @0 :UInt32;
}

struct Newer {
  a @0 :UInt32;
  b @1 :UInt64 = 99;
  c @2 :Text = "cee";
}

struct Chain {
  # A recursive type, for pointer-cycle and depth tests.
  next @0 :Chain;
  value @1 :UInt32;
  root @2 :Inner;
  # Named like a generated whole-struct function (N_build_root): must not collide.
  which @3 :UInt8;
  list @4 :List(Inner);
}

interface Calculator {
  # An interface for the dispatch skeleton tests.
  add @0 (a :Int64, b :Int64) -> (sum :Int64);
  # Returns a + b.
  describe @1 (color :Color) -> (name :Text);
  fetch @2 Inner -> Inner;
  # Params and results are a named struct.
}

interface Empty {
  # An interface with no methods.
}

const answer :UInt32 = 42;
const negative :Int16 = -7;
const greeting :Text = "hi\tthere";
const blob :Data = 0x"de ad be ef";
const flag :Bool = true;
const favourite :Color = green;
const pi :Float64 = 3.25;
const sample :Inner = (id = 7, label = "seven", tags = ["a", "b", "c"]);
const numbers :List(UInt16) = [1, 2, 65535];

# A fully populated value: built by the C test with generated setters and compared
# canonically to this.
const sampleAll :AllTypes = (
  boolField = true, int8Field = -8, int16Field = -16, int32Field = -32,
  int64Field = -64, uInt8Field = 8, uInt16Field = 16, uInt32Field = 32,
  uInt64Field = 64, float32Field = 0.5, float64Field = 1.25,
  textField = "text", dataField = 0x"01 02 03", structField = (id = 5, label = "five"),
  enumField = green,
  boolList = [true, false, true, true], int8List = [-1, 1], int16List = [-300, 300],
  int32List = [-70000, 70000], int64List = [-5000000000, 5000000000],
  uInt8List = [255, 0], uInt16List = [65535], uInt32List = [4294967295],
  uInt64List = [18446744073709551615], float32List = [0.25, -0.25],
  float64List = [0.125], textList = ["a", "", "ccc"], dataList = [0x"ff", 0x"00"],
  structList = [(id = 1, label = "one", tags = ["t"]), (id = 2)],
  enumList = [blue, red], voidList = [void, void, void],
  listList = [[1, 2], [], [3]],
  word = "chosen",
  outer = (depth = 9, choice = (right = (a = 4, b = "bee")))
);
