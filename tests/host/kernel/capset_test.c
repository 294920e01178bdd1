/*
 * Host tests of the CapSet page builder (kernel/cap/capset.c, compiled unmodified):
 * header and entry bytes at their ABI offsets, name validation at every boundary
 * (empty, 47 and 48 bytes, each byte class), duplicates (including prefixes that are
 * not duplicates), a full page, and that a failed add changes nothing.
 */
#include "test.h"

#include <stdio.h>

#include <capos/error.h>
#include <kernel/capset.h>

static struct capos_capset_page page;

TEST(capset_init_and_add_layout)
{
	memset(&page, 0xEE, sizeof(page));
	CHECK_EQ(capset_init(&page), CAPOS_OK);
	CHECK_UEQ(page.hdr.magic, CAPOS_CAPSET_MAGIC);
	CHECK_UEQ(page.hdr.version, 1);
	CHECK_UEQ(page.hdr.count, 0);
	CHECK_UEQ(page.hdr.entry_size, 64);
	CHECK_EQ(capset_add(&page, "console", 7, 0x1122334455667788ull, 0x10000), CAPOS_OK);
	CHECK_EQ(capset_add(&page, "timer", 5, 0x99, 0x10001), CAPOS_OK);
	CHECK_UEQ(page.hdr.count, 2);
	const uint8_t *raw = (const uint8_t *)&page;
	CHECK_MEMEQ(raw + 0x40, "console\0", 8);
	CHECK_UEQ(raw[0x40 + 47], 0);
	uint64_t iid;
	memcpy(&iid, raw + 0x40 + 0x30, 8);
	CHECK_UEQ(iid, 0x1122334455667788ull);
	uint32_t cap;
	memcpy(&cap, raw + 0x80 + 0x38, 4);
	CHECK_UEQ(cap, 0x10001);
	CHECK_STREQ(page.entries[1].name, "timer");
	CHECK_EQ(capset_init(NULL), CAPOS_ERR_INVALID);
}

TEST(capset_name_rules)
{
	char longest[48], too_long[49];
	memset(longest, 'a', sizeof(longest));
	memset(too_long, 'b', sizeof(too_long));
	CHECK_EQ(capset_init(&page), CAPOS_OK);
	CHECK_EQ(capset_add(&page, "", 0, 1, 1), CAPOS_ERR_CAPSET_BAD_NAME);
	CHECK_EQ(capset_add(&page, NULL, 3, 1, 1), CAPOS_ERR_CAPSET_BAD_NAME);
	CHECK_EQ(capset_add(&page, too_long, 48, 1, 1), CAPOS_ERR_CAPSET_BAD_NAME);
	CHECK_EQ(capset_add(&page, "Console", 7, 1, 1), CAPOS_ERR_CAPSET_BAD_NAME);
	CHECK_EQ(capset_add(&page, "a b", 3, 1, 1), CAPOS_ERR_CAPSET_BAD_NAME);
	CHECK_EQ(capset_add(&page, "a/b", 3, 1, 1), CAPOS_ERR_CAPSET_BAD_NAME);
	CHECK_EQ(capset_add(&page, "nul\0x", 5, 1, 1), CAPOS_ERR_CAPSET_BAD_NAME);
	CHECK_EQ(capset_add(&page, "\xc3\xa9", 2, 1, 1), CAPOS_ERR_CAPSET_BAD_NAME);
	CHECK_EQ(capset_add(&page, "ok", 2, 0, 1), CAPOS_ERR_INVALID);
	CHECK_EQ(capset_add(&page, "ok", 2, 1, 0), CAPOS_ERR_INVALID);
	CHECK_UEQ(page.hdr.count, 0);
	CHECK_EQ(capset_add(&page, longest, 47, 1, 1), CAPOS_OK);
	CHECK_EQ(capset_add(&page, "net.tcp-v4_0", 12, 1, 2), CAPOS_OK);
	CHECK_UEQ(page.entries[0].name[46], 'a');
	CHECK_UEQ(page.entries[0].name[47], 0);
}

TEST(capset_duplicates_and_prefixes)
{
	CHECK_EQ(capset_init(&page), CAPOS_OK);
	CHECK_EQ(capset_add(&page, "log", 3, 1, 1), CAPOS_OK);
	CHECK_EQ(capset_add(&page, "log", 3, 2, 2), CAPOS_ERR_CAPSET_DUPLICATE);
	CHECK_EQ(capset_add(&page, "logger", 6, 2, 2), CAPOS_OK); /* longer, not a duplicate */
	CHECK_EQ(capset_add(&page, "lo", 2, 2, 3), CAPOS_OK);	  /* shorter, not a duplicate */
	CHECK_EQ(capset_add(&page, "logger", 6, 2, 4), CAPOS_ERR_CAPSET_DUPLICATE);
	/* Only the first len bytes count: "logx" with len 3 is "log". */
	CHECK_EQ(capset_add(&page, "logx", 3, 2, 5), CAPOS_ERR_CAPSET_DUPLICATE);
	CHECK_UEQ(page.hdr.count, 3);
}

TEST(capset_full_page)
{
	char name[8];
	CHECK_EQ(capset_init(&page), CAPOS_OK);
	for (unsigned i = 0; i < CAPOS_CAPSET_MAX_ENTRIES; i++) {
		int n = snprintf(name, sizeof(name), "c%u", i);
		CHECK_EQ(capset_add(&page, name, (size_t)n, 1, i + 1), CAPOS_OK);
	}
	CHECK_EQ(capset_add(&page, "extra", 5, 1, 99), CAPOS_ERR_CAPSET_FULL);
	CHECK_EQ(capset_add(&page, "c7", 2, 1, 99), CAPOS_ERR_CAPSET_DUPLICATE);
	CHECK_UEQ(page.hdr.count, CAPOS_CAPSET_MAX_ENTRIES);
	page.hdr.count = 200; /* a page not made by capset_init */
	CHECK_EQ(capset_add(&page, "x", 1, 1, 1), CAPOS_ERR_INVALID);
}
