/*
 * Field layout of tests/capnp/corpus.capnp, copied by hand from
 * `capnp compile -ocapnp tests/capnp/corpus.capnp` (the "# bits[..]" / "# ptr[..]"
 * comments). interop.py re-derives every entry from the compiler's output and fails on
 * drift, so a schema edit cannot silently desynchronise the test. Offsets: BITS are bit
 * offsets (as the compiler prints), PTR pointer indexes.
 */
#ifndef INTEROP_LAYOUT_H
#define INTEROP_LAYOUT_H

/* X(struct, field, kind, offset) with kind BITS (bit offset) or PTR (pointer index) */
#define CORPUS_LAYOUT(X)                                                                           \
	X(Inner, a, BITS, 0)                                                                       \
	X(Inner, b, PTR, 0)                                                                        \
	X(AllTypes, boolField, BITS, 0)                                                            \
	X(AllTypes, int8Field, BITS, 8)                                                            \
	X(AllTypes, int16Field, BITS, 16)                                                          \
	X(AllTypes, int32Field, BITS, 32)                                                          \
	X(AllTypes, int64Field, BITS, 64)                                                          \
	X(AllTypes, uint8Field, BITS, 128)                                                         \
	X(AllTypes, uint16Field, BITS, 144)                                                        \
	X(AllTypes, uint32Field, BITS, 160)                                                        \
	X(AllTypes, uint64Field, BITS, 192)                                                        \
	X(AllTypes, float32Field, BITS, 256)                                                       \
	X(AllTypes, float64Field, BITS, 320)                                                       \
	X(AllTypes, textField, PTR, 0)                                                             \
	X(AllTypes, dataField, PTR, 1)                                                             \
	X(AllTypes, structField, PTR, 2)                                                           \
	X(AllTypes, enumField, BITS, 288)                                                          \
	X(AllTypes, interfaceField, PTR, 3)                                                        \
	X(AllTypes, voidList, PTR, 4)                                                              \
	X(AllTypes, boolList, PTR, 5)                                                              \
	X(AllTypes, int8List, PTR, 6)                                                              \
	X(AllTypes, int16List, PTR, 7)                                                             \
	X(AllTypes, int32List, PTR, 8)                                                             \
	X(AllTypes, int64List, PTR, 9)                                                             \
	X(AllTypes, uint8List, PTR, 10)                                                            \
	X(AllTypes, uint16List, PTR, 11)                                                           \
	X(AllTypes, uint32List, PTR, 12)                                                           \
	X(AllTypes, uint64List, PTR, 13)                                                           \
	X(AllTypes, float32List, PTR, 14)                                                          \
	X(AllTypes, float64List, PTR, 15)                                                          \
	X(AllTypes, textList, PTR, 16)                                                             \
	X(AllTypes, dataList, PTR, 17)                                                             \
	X(AllTypes, structList, PTR, 18)                                                           \
	X(AllTypes, enumList, PTR, 19)                                                             \
	X(AllTypes, listList, PTR, 20)                                                             \
	X(AllTypes, anyField, PTR, 21)                                                             \
	X(AllTypes, choice, TAG, 304)                                                              \
	X(AllTypes, number, BITS, 384)                                                             \
	X(AllTypes, label, PTR, 22)                                                                \
	X(AllTypes, inner, PTR, 22)                                                                \
	X(AllTypes, x, BITS, 416)                                                                  \
	X(AllTypes, y, PTR, 23)                                                                    \
	X(AllTypes, flag, BITS, 1)                                                                 \
	X(Defaults, boolField, BITS, 0)                                                            \
	X(Defaults, int8Field, BITS, 8)                                                            \
	X(Defaults, int16Field, BITS, 16)                                                          \
	X(Defaults, int32Field, BITS, 32)                                                          \
	X(Defaults, int64Field, BITS, 64)                                                          \
	X(Defaults, uint8Field, BITS, 128)                                                         \
	X(Defaults, uint16Field, BITS, 144)                                                        \
	X(Defaults, uint32Field, BITS, 160)                                                        \
	X(Defaults, uint64Field, BITS, 192)                                                        \
	X(Defaults, float32Field, BITS, 256)                                                       \
	X(Defaults, float64Field, BITS, 320)                                                       \
	X(Defaults, textField, PTR, 0)                                                             \
	X(Defaults, dataField, PTR, 1)                                                             \
	X(Defaults, enumField, BITS, 288)                                                          \
	X(Defaults, structField, PTR, 2)                                                           \
	X(Defaults, int32List, PTR, 3)                                                             \
	X(Old, a, BITS, 0)                                                                         \
	X(Old, p, PTR, 0)                                                                          \
	X(New, a, BITS, 0)                                                                         \
	X(New, p, PTR, 0)                                                                          \
	X(New, b, BITS, 64)                                                                        \
	X(New, q, PTR, 1)

/* Struct sizes: data words, pointers. */
#define ALLTYPES_DW 7
#define ALLTYPES_PC 24
#define INNER_DW 1
#define INNER_PC 1
#define DEFAULTS_DW 6
#define DEFAULTS_PC 4
#define OLD_DW 1
#define OLD_PC 1
#define NEW_DW 2
#define NEW_PC 2

/* Byte offset / pointer index constants for the C code. */
#define LAYOUT_ENUM(s, f, kind, off) L_##s##_##f = (off),
enum { CORPUS_LAYOUT(LAYOUT_ENUM) };
#undef LAYOUT_ENUM
#define B(s, f) ((uint32_t)L_##s##_##f / 8) /* byte offset of a non-Bool field */
#define BIT(s, f) ((uint32_t)L_##s##_##f)   /* bit offset of a Bool field */
#define P(s, f) ((uint16_t)L_##s##_##f)	    /* pointer index */

#endif
