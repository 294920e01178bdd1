/*
 * Host tests of kernel/ksyms_lookup.c, the validator and binary search behind
 * symbolized backtraces. Blobs are built here field by field; hostile twins cover
 * every typed error ksyms_open() documents (empty, truncated, trailing bytes, bad
 * magic/version, unsorted and duplicate addresses, names outside the string table,
 * misalignment) and lookups below the first symbol or past a symbol's size.
 */
#include "test.h"

#include <capos/error.h>
#include <kernel/ksyms.h>
#include <stdio.h>

#define MAX_BLOB 512

struct blob {
	uint64_t words[MAX_BLOB / 8]; /* 8-byte aligned storage */
	size_t len;
};

struct test_sym {
	uint64_t addr;
	uint32_t size;
	const char *name;
};

/* Lays out header + entries + strtab exactly as tools/ksyms does. */
static void build(struct blob *b, const struct test_sym *syms, uint32_t n)
{
	memset(b, 0, sizeof(*b));
	unsigned char *p = (unsigned char *)b->words;
	uint32_t strsz = 0;
	for (uint32_t i = 0; i < n; i++)
		strsz += (uint32_t)strlen(syms[i].name) + 1;
	struct ksyms_header h = { KSYMS_MAGIC, KSYMS_VERSION, n, strsz };
	memcpy(p, &h, sizeof(h));
	size_t off = sizeof(h), str = sizeof(h) + n * sizeof(struct ksyms_entry);
	uint32_t name_off = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct ksyms_entry e = { syms[i].addr, syms[i].size, name_off };
		memcpy(p + off, &e, sizeof(e));
		off += sizeof(e);
		size_t l = strlen(syms[i].name) + 1;
		memcpy(p + str + name_off, syms[i].name, l);
		name_off += (uint32_t)l;
	}
	b->len = str + strsz;
}

static struct ksyms_header *hdr(struct blob *b)
{
	return (struct ksyms_header *)b->words;
}

static struct ksyms_entry *entry(struct blob *b, unsigned i)
{
	return (struct ksyms_entry *)(hdr(b) + 1) + i;
}

static const struct test_sym three[] = {
	{ 0xffffffff80100000ull, 0x40, "_start32" },
	{ 0xffffffff80101000ull, 0x100, "kmain" },
	{ 0xffffffff80102000ull, 0, "trap_common" },
};

TEST(ksyms_lookup_finds_containing_symbol)
{
	static struct blob b;
	build(&b, three, 3);
	struct ksyms_table t;
	CHECK_EQ(ksyms_open(b.words, b.len, &t), CAPOS_OK);
	CHECK_EQ(t.count, 3);
	const char *name;
	uint64_t off;
	CHECK_EQ(ksyms_lookup(&t, 0xffffffff80101089ull, &name, &off), CAPOS_OK);
	CHECK_STREQ(name, "kmain");
	CHECK_UEQ(off, 0x89);
	CHECK_EQ(ksyms_lookup(&t, 0xffffffff80100000ull, &name, &off), CAPOS_OK);
	CHECK_STREQ(name, "_start32");
	CHECK_UEQ(off, 0);
	/* size 0 = unbounded: everything after the last symbol resolves to it */
	CHECK_EQ(ksyms_lookup(&t, 0xffffffff80109999ull, &name, &off), CAPOS_OK);
	CHECK_STREQ(name, "trap_common");
	CHECK_UEQ(off, 0x7999);
}

TEST(ksyms_lookup_many_symbols_binary_search)
{
	static struct blob b;
	static struct test_sym syms[20];
	static char names[20][8];
	for (int i = 0; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d", i);
		syms[i] = (struct test_sym){ 0x1000 + 0x10 * (uint64_t)i, 0x10, names[i] };
	}
	build(&b, syms, 20);
	struct ksyms_table t;
	CHECK_EQ(ksyms_open(b.words, b.len, &t), CAPOS_OK);
	for (int i = 0; i < 20; i++) {
		const char *name;
		uint64_t off;
		CHECK_EQ(ksyms_lookup(&t, 0x1000 + 0x10 * (uint64_t)i + 0xf, &name, &off),
			 CAPOS_OK);
		CHECK_STREQ(name, names[i]);
		CHECK_UEQ(off, 0xf);
	}
}

TEST(ksyms_address_below_first_symbol_not_found)
{
	static struct blob b;
	build(&b, three, 3);
	struct ksyms_table t;
	CHECK_EQ(ksyms_open(b.words, b.len, &t), CAPOS_OK);
	const char *name = "unchanged";
	uint64_t off = 77;
	CHECK_EQ(ksyms_lookup(&t, 0xffffffff800fffffull, &name, &off), CAPOS_ERR_NOT_FOUND);
	CHECK_EQ(ksyms_lookup(&t, 0, &name, &off), CAPOS_ERR_NOT_FOUND);
	CHECK_STREQ(name, "unchanged");
	CHECK_EQ(off, 77);
}

TEST(ksyms_address_past_symbol_size_not_found)
{
	static struct blob b;
	build(&b, three, 3);
	struct ksyms_table t;
	CHECK_EQ(ksyms_open(b.words, b.len, &t), CAPOS_OK);
	const char *name;
	uint64_t off;
	CHECK_EQ(ksyms_lookup(&t, 0xffffffff80100040ull, &name, &off), CAPOS_ERR_NOT_FOUND);
	CHECK_EQ(ksyms_lookup(&t, 0xffffffff8010003full, &name, &off), CAPOS_OK);
}

TEST(ksyms_empty_table_valid_but_finds_nothing)
{
	static struct blob b;
	build(&b, NULL, 0);
	CHECK_EQ(b.len, sizeof(struct ksyms_header));
	struct ksyms_table t;
	CHECK_EQ(ksyms_open(b.words, b.len, &t), CAPOS_OK);
	CHECK_EQ(t.count, 0);
	const char *name;
	uint64_t off;
	CHECK_EQ(ksyms_lookup(&t, 0xffffffff80101000ull, &name, &off), CAPOS_ERR_NOT_FOUND);
}

TEST(ksyms_zero_length_or_null_is_truncated)
{
	static struct blob b;
	struct ksyms_table t;
	CHECK_EQ(ksyms_open(b.words, 0, &t), CAPOS_ERR_KSYMS_TRUNCATED);
	CHECK_EQ(ksyms_open(NULL, 64, &t), CAPOS_ERR_KSYMS_TRUNCATED);
	CHECK_EQ(ksyms_open(b.words, sizeof(struct ksyms_header) - 1, &t),
		 CAPOS_ERR_KSYMS_TRUNCATED);
}

TEST(ksyms_truncated_entries_or_strtab)
{
	static struct blob b;
	build(&b, three, 3);
	struct ksyms_table t = { .count = 12345 };
	CHECK_EQ(ksyms_open(b.words, b.len - 1, &t), CAPOS_ERR_KSYMS_TRUNCATED);
	CHECK_EQ(ksyms_open(b.words, sizeof(struct ksyms_header) + 8, &t),
		 CAPOS_ERR_KSYMS_TRUNCATED);
	CHECK_EQ(t.count, 12345);     /* out untouched on error */
	hdr(&b)->count = 0xFFFFFFFFu; /* huge count must not overflow the size check */
	CHECK_EQ(ksyms_open(b.words, b.len, &t), CAPOS_ERR_KSYMS_TRUNCATED);
}

TEST(ksyms_trailing_bytes_rejected)
{
	static struct blob b;
	build(&b, three, 3);
	struct ksyms_table t;
	CHECK_EQ(ksyms_open(b.words, b.len + 1, &t), CAPOS_ERR_KSYMS_TRAILING);
}

TEST(ksyms_bad_magic_and_version)
{
	static struct blob b;
	build(&b, three, 3);
	struct ksyms_table t;
	hdr(&b)->magic ^= 1;
	CHECK_EQ(ksyms_open(b.words, b.len, &t), CAPOS_ERR_KSYMS_BAD_MAGIC);
	hdr(&b)->magic ^= 1;
	hdr(&b)->version = 2;
	CHECK_EQ(ksyms_open(b.words, b.len, &t), CAPOS_ERR_KSYMS_VERSION);
}

TEST(ksyms_unsorted_blob_rejected)
{
	static struct blob b;
	const struct test_sym unsorted[] = {
		{ 0x2000, 0, "b" },
		{ 0x1000, 0, "a" },
		{ 0x3000, 0, "c" },
	};
	build(&b, unsorted, 3);
	struct ksyms_table t;
	CHECK_EQ(ksyms_open(b.words, b.len, &t), CAPOS_ERR_KSYMS_UNSORTED);
}

TEST(ksyms_duplicate_address_rejected)
{
	static struct blob b;
	const struct test_sym dup[] = { { 0x1000, 0, "a" }, { 0x1000, 0, "alias" } };
	build(&b, dup, 2);
	struct ksyms_table t;
	CHECK_EQ(ksyms_open(b.words, b.len, &t), CAPOS_ERR_KSYMS_UNSORTED);
}

TEST(ksyms_name_offset_outside_strtab_rejected)
{
	static struct blob b;
	build(&b, three, 3);
	struct ksyms_table t;
	entry(&b, 1)->name_off = hdr(&b)->strtab_size;
	CHECK_EQ(ksyms_open(b.words, b.len, &t), CAPOS_ERR_KSYMS_BAD_NAME);
}

TEST(ksyms_unterminated_strtab_rejected)
{
	static struct blob b;
	build(&b, three, 3);
	struct ksyms_table t;
	((unsigned char *)b.words)[b.len - 1] = 'x';
	CHECK_EQ(ksyms_open(b.words, b.len, &t), CAPOS_ERR_KSYMS_BAD_NAME);
}

TEST(ksyms_misaligned_blob_rejected)
{
	static struct blob b;
	build(&b, three, 3);
	struct ksyms_table t;
	CHECK_EQ(ksyms_open((unsigned char *)b.words + 4, b.len, &t), CAPOS_ERR_ALIGNMENT);
}
