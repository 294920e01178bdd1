# Interop corpus for lib/capnp (tests/capnp/interop.py): one struct touching every
# field type, one with a default for every type, and constants that `capnp eval
# --binary` turns into reference messages. Field offsets used by the C helper come
# from `capnp compile -ocapnp tests/capnp/corpus.capnp` (see interop_layout.h).
@0xd5b1b0c4c0f6e8a1;

enum Color {
  red @0;
  green @1;
  blue @2;
  ultraviolet @3;
}

interface Probe {
  ping @0 (x :UInt32) -> (y :UInt32);
}

struct Inner {
  a @0 :UInt32;
  b @1 :Text;
}

struct AllTypes {
  voidField @0 :Void;
  boolField @1 :Bool;
  int8Field @2 :Int8;
  int16Field @3 :Int16;
  int32Field @4 :Int32;
  int64Field @5 :Int64;
  uint8Field @6 :UInt8;
  uint16Field @7 :UInt16;
  uint32Field @8 :UInt32;
  uint64Field @9 :UInt64;
  float32Field @10 :Float32;
  float64Field @11 :Float64;
  textField @12 :Text;
  dataField @13 :Data;
  structField @14 :AllTypes;
  enumField @15 :Color;
  interfaceField @16 :Probe;
  voidList @17 :List(Void);
  boolList @18 :List(Bool);
  int8List @19 :List(Int8);
  int16List @20 :List(Int16);
  int32List @21 :List(Int32);
  int64List @22 :List(Int64);
  uint8List @23 :List(UInt8);
  uint16List @24 :List(UInt16);
  uint32List @25 :List(UInt32);
  uint64List @26 :List(UInt64);
  float32List @27 :List(Float32);
  float64List @28 :List(Float64);
  textList @29 :List(Text);
  dataList @30 :List(Data);
  structList @31 :List(AllTypes);
  enumList @32 :List(Color);
  listList @33 :List(List(Int32));
  anyField @34 :AnyPointer;
  choice :union {
    none @35 :Void;
    number @36 :UInt32;
    label @37 :Text;
    inner @38 :Inner;
  }
  grp :group {
    x @39 :UInt16;
    y @40 :Text;
    flag @41 :Bool;
  }
}

struct Defaults {
  boolField @0 :Bool = true;
  int8Field @1 :Int8 = -123;
  int16Field @2 :Int16 = -12345;
  int32Field @3 :Int32 = -12345678;
  int64Field @4 :Int64 = -123456789012345;
  uint8Field @5 :UInt8 = 234;
  uint16Field @6 :UInt16 = 45678;
  uint32Field @7 :UInt32 = 3456789012;
  uint64Field @8 :UInt64 = 12345678901234567890;
  float32Field @9 :Float32 = 1234.5;
  float64Field @10 :Float64 = -123e45;
  textField @11 :Text = "foo";
  dataField @12 :Data = 0x"62 61 72";
  enumField @13 :Color = blue;
  structField @14 :Inner = (a = 7, b = "seven");
  int32List @15 :List(Int32) = [1, -2, 3];
}

# A struct that grew: Old is a prefix of New (new fields in both sections).
struct Old {
  a @0 :UInt32;
  p @1 :Text;
}

struct New {
  a @0 :UInt32;
  p @1 :Text;
  b @2 :UInt64 = 99;
  q @3 :Text = "later";
}

const constAll :AllTypes = (
  boolField = true, int8Field = -8, int16Field = -16, int32Field = -32, int64Field = -64,
  uint8Field = 8, uint16Field = 16, uint32Field = 32, uint64Field = 64,
  float32Field = 1.5, float64Field = -2.25, textField = "hello", dataField = 0x"00 ff 10",
  structField = (int32Field = 5, textField = "nested"), enumField = green,
  voidList = [void, void, void], boolList = [true, false, true, true, false, false, false, false, true],
  int8List = [-1, 2], int16List = [-3, 4], int32List = [-5, 6], int64List = [-7, 8],
  uint8List = [9, 10], uint16List = [11, 12], uint32List = [13, 14], uint64List = [15, 16],
  float32List = [0.5, -0.5], float64List = [0.25, -0.25], textList = ["a", "", "ccc"],
  dataList = [0x"01", ""], structList = [(uint32Field = 1), (uint32Field = 2, textField = "two")],
  enumList = [red, ultraviolet], listList = [[1], [], [2, 3]],
  choice = (label = "chosen"), grp = (x = 77, y = "why", flag = true));

const constOld :Old = (a = 5, p = "old");
