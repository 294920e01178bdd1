/*
 * Host tests of libcapos's CapSet lookup (lib/libcapos/capset.c, unmodified): found
 * by name with the right interface; hostile pages and queries, each with its exact
 * status: wrong magic/version/entry size/count/reserved words, an entry name without
 * its NUL, empty or over-long query names, unknown name, right name with the wrong
 * interface id.
 */
#include "test.h"

#include <libcapos/capset.h>

#include <capos/error.h>
#include <string.h>

#define IID_CONSOLE 0xd3c0a0b1c2d3e4f5ull
#define IID_TIMER 0x8a8b8c8d8e8f9091ull

static struct capos_capset_page page;

static void capset_fill(void)
{
	memset(&page, 0, sizeof(page));
	page.hdr.magic = CAPOS_CAPSET_MAGIC;
	page.hdr.version = CAPOS_ABI_VERSION;
	page.hdr.entry_size = CAPOS_CAPSET_ENTRY_SIZE;
	page.hdr.count = 3;
	strcpy(page.entries[0].name, "console");
	page.entries[0].interface_id = IID_CONSOLE;
	page.entries[0].cap = 0x00010001;
	strcpy(page.entries[1].name, "timer");
	page.entries[1].interface_id = IID_TIMER;
	page.entries[1].cap = 0x00010002;
	memset(page.entries[2].name, 'a', CAPOS_CAPSET_NAME_MAX - 1); /* longest name */
	page.entries[2].interface_id = IID_TIMER;
	page.entries[2].cap = 0x00020003;
}

TEST(capset_lookup_finds_names)
{
	char longest[CAPOS_CAPSET_NAME_MAX];
	uint32_t cap = 0;

	capset_fill();
	CHECK_EQ(capos_capset_validate(&page), CAPOS_OK);
	CHECK_EQ(capos_capset_lookup(&page, "console", IID_CONSOLE, &cap), CAPOS_OK);
	CHECK_UEQ(cap, 0x00010001);
	CHECK_EQ(capos_capset_lookup(&page, "timer", IID_TIMER, &cap), CAPOS_OK);
	CHECK_UEQ(cap, 0x00010002);
	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	CHECK_EQ(capos_capset_lookup(&page, longest, IID_TIMER, &cap), CAPOS_OK);
	CHECK_UEQ(cap, 0x00020003);
}

TEST(capset_lookup_not_found_and_prefixes)
{
	uint32_t cap = 7;

	capset_fill();
	CHECK_EQ(capos_capset_lookup(&page, "spawner", IID_TIMER, &cap), CAPOS_ERR_NOT_FOUND);
	CHECK_EQ(capos_capset_lookup(&page, "consol", IID_CONSOLE, &cap), CAPOS_ERR_NOT_FOUND);
	CHECK_EQ(capos_capset_lookup(&page, "console2", IID_CONSOLE, &cap), CAPOS_ERR_NOT_FOUND);
	page.hdr.count = 1; /* entries beyond count do not exist */
	CHECK_EQ(capos_capset_lookup(&page, "timer", IID_TIMER, &cap), CAPOS_ERR_NOT_FOUND);
	CHECK_UEQ(cap, 7);
}

TEST(capset_hostile_wrong_interface)
{
	uint32_t cap = 7;

	capset_fill();
	CHECK_EQ(capos_capset_lookup(&page, "console", IID_TIMER, &cap),
		 CAPOS_ERR_CAP_WRONG_INTERFACE);
	CHECK_UEQ(cap, 7);
}

TEST(capset_hostile_headers)
{
	uint32_t cap;

	capset_fill();
	page.hdr.magic ^= 1;
	CHECK_EQ(capos_capset_lookup(&page, "console", IID_CONSOLE, &cap), CAPOS_ERR_INVALID);
	capset_fill();
	page.hdr.version = CAPOS_ABI_VERSION + 1;
	CHECK_EQ(capos_capset_validate(&page), CAPOS_ERR_INVALID);
	capset_fill();
	page.hdr.entry_size = 32;
	CHECK_EQ(capos_capset_validate(&page), CAPOS_ERR_INVALID);
	capset_fill();
	page.hdr.count = CAPOS_CAPSET_MAX_ENTRIES + 1;
	CHECK_EQ(capos_capset_lookup(&page, "console", IID_CONSOLE, &cap), CAPOS_ERR_INVALID);
	capset_fill();
	page.hdr.count = CAPOS_CAPSET_MAX_ENTRIES; /* the maximum itself is fine */
	CHECK_EQ(capos_capset_validate(&page), CAPOS_OK);
	capset_fill();
	page.hdr.rsvd0 = 1;
	CHECK_EQ(capos_capset_validate(&page), CAPOS_ERR_INVALID);
	capset_fill();
	page.hdr.rsvd1 = 1;
	CHECK_EQ(capos_capset_validate(&page), CAPOS_ERR_INVALID);
	capset_fill();
	page.hdr.rsvd2[5] = 1;
	CHECK_EQ(capos_capset_validate(&page), CAPOS_ERR_INVALID);
}

TEST(capset_hostile_unterminated_entry_name)
{
	uint32_t cap;

	capset_fill();
	memset(page.entries[0].name, 'x', CAPOS_CAPSET_NAME_MAX);
	CHECK_EQ(capos_capset_lookup(&page, "timer", IID_TIMER, &cap), CAPOS_ERR_INVALID);
}

TEST(capset_hostile_query_names)
{
	char toolong[CAPOS_CAPSET_NAME_MAX + 1];
	uint32_t cap;

	capset_fill();
	CHECK_EQ(capos_capset_lookup(&page, "", IID_CONSOLE, &cap), CAPOS_ERR_INVALID);
	memset(toolong, 'a', sizeof(toolong) - 1);
	toolong[sizeof(toolong) - 1] = '\0';
	CHECK_EQ(capos_capset_lookup(&page, toolong, IID_TIMER, &cap), CAPOS_ERR_INVALID);
	toolong[CAPOS_CAPSET_NAME_MAX - 1] = '\0'; /* 47 'a's + NUL: legal length */
	CHECK_EQ(capos_capset_lookup(&page, toolong, IID_TIMER, &cap), CAPOS_OK);
}
