/*
 * Host tests of the Multiboot2 and Multiboot1 parsers (kernel/boot/). Valid
 * structures are built byte by byte here the way GRUB and QEMU lay them out; each
 * hostile variant (truncated, oversized, zero-size, misaligned, missing end tag,
 * bad entry sizes, too many entries, bad modules, dangling pointers) must produce
 * its exact typed error.
 */
#include "test.h"

#include <capos/error.h>
#include <kernel/bootinfo.h>

/* ---- Multiboot2 builder ---- */

struct mb2 {
	_Alignas(8) uint8_t buf[8192];
	uint32_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void mb2_begin(struct mb2 *m)
{
	memset(m, 0, sizeof(*m));
	m->len = 8;
}

/* Appends a tag with payload; returns its offset. */
static uint32_t mb2_tag(struct mb2 *m, uint32_t type, const void *payload, uint32_t plen)
{
	uint32_t off = m->len;

	put32(m->buf + off, type);
	put32(m->buf + off + 4, 8 + plen);
	if (plen)
		memcpy(m->buf + off + 8, payload, plen);
	m->len = (off + 8 + plen + 7) & ~7u;
	return off;
}

static void mb2_str(struct mb2 *m, uint32_t type, const char *s)
{
	mb2_tag(m, type, s, (uint32_t)strlen(s) + 1);
}

static void mb2_module(struct mb2 *m, uint32_t start, uint32_t end, const char *cl)
{
	uint8_t p[256];
	size_t n = strlen(cl) + 1;

	put32(p, start);
	put32(p + 4, end);
	memcpy(p + 8, cl, n);
	mb2_tag(m, 3, p, (uint32_t)(8 + n));
}

struct region {
	uint64_t base, len;
	uint32_t type;
};

static void mb2_mmap(struct mb2 *m, const struct region *r, unsigned n, uint32_t esize)
{
	static uint8_t p[8 + 200 * 48];

	memset(p, 0, sizeof(p));
	put32(p, esize);
	put32(p + 4, 0);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = p + 8 + i * esize;

		put64(e, r[i].base);
		put64(e + 8, r[i].len);
		put32(e + 16, r[i].type);
	}
	mb2_tag(m, 6, p, 8 + n * esize);
}

static void mb2_end(struct mb2 *m)
{
	mb2_tag(m, 0, NULL, 0);
	put32(m->buf, m->len);
}

static const struct region qemu_map[] = {
	{ 0, 0x9fc00, 1 },	    { 0x9fc00, 0x400, 2 },     { 0xf0000, 0x10000, 2 },
	{ 0x100000, 0x7ee0000, 1 }, { 0x7fe0000, 0x20000, 2 }, { 0xfffc0000, 0x40000, 2 },
};
#define QEMU_MAP_N (sizeof(qemu_map) / sizeof(qemu_map[0]))

static const uint8_t rsdp_v2[36] = { 'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ', 1, 2, 3,
				     4,	  5,   6,   7,	 8,   2,   0,	0,   0, 9 };

/* A GRUB-like structure: cmdline, module, mmap, both ACPI tags, end. */
static void mb2_valid(struct mb2 *m)
{
	mb2_begin(m);
	mb2_str(m, 1, "selftest=pf quiet");
	mb2_str(m, 2, "GRUB 2.06");
	mb2_module(m, 0x200000, 0x200123, "manifest.bin");
	mb2_mmap(m, qemu_map, QEMU_MAP_N, 24);
	mb2_tag(m, 14, rsdp_v2, 20);
	mb2_tag(m, 15, rsdp_v2, 36);
	mb2_end(m);
}

static struct boot_info bi;

static int parse(struct mb2 *m)
{
	return mb2_parse(m->buf, sizeof(m->buf), 0x10000, &bi);
}

TEST(mb2_valid_structure_parses)
{
	struct mb2 m;

	mb2_valid(&m);
	CHECK_UEQ(mb2_declared_size(m.buf), m.len);
	CHECK_EQ(parse(&m), CAPOS_OK);
	CHECK_EQ(bi.protocol, 2);
	CHECK_STREQ(bi.cmdline, "selftest=pf quiet");
	CHECK_EQ(bi.module_count, 1);
	CHECK_UEQ(bi.module.start, 0x200000);
	CHECK_UEQ(bi.module.end, 0x200123);
	CHECK_STREQ(bi.module.cmdline, "manifest.bin");
	CHECK_EQ(bi.mmap_count, QEMU_MAP_N);
	for (unsigned i = 0; i < QEMU_MAP_N; i++) {
		CHECK_UEQ(bi.mmap[i].base, qemu_map[i].base);
		CHECK_UEQ(bi.mmap[i].length, qemu_map[i].len);
		CHECK_EQ(bi.mmap[i].type, qemu_map[i].type);
	}
	CHECK_EQ(bi.rsdp_len, 36);
	CHECK_MEMEQ(bi.rsdp, rsdp_v2, 36);
	CHECK_EQ(bi.range_count, 1);
	CHECK_UEQ(bi.ranges[0].start, 0x10000);
	CHECK_UEQ(bi.ranges[0].end, 0x10000 + m.len);
	CHECK_EQ(boot_info_check_module(&bi), CAPOS_OK);
}

TEST(mb2_exact_avail_is_enough)
{
	struct mb2 m;

	mb2_valid(&m);
	CHECK_EQ(mb2_parse(m.buf, m.len, 0, &bi), CAPOS_OK);
}

TEST(mb2_old_acpi_only_and_order_independent)
{
	struct mb2 m;

	mb2_begin(&m);
	mb2_module(&m, 0x200000, 0x201000, "");
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_tag(&m, 14, rsdp_v2, 20);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_OK);
	CHECK_EQ(bi.rsdp_len, 20);
	CHECK_STREQ(bi.cmdline, "");
	/* new before old: the new copy stays */
	mb2_begin(&m);
	mb2_tag(&m, 15, rsdp_v2, 36);
	mb2_tag(&m, 14, rsdp_v2, 20);
	mb2_module(&m, 0x200000, 0x201000, "");
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_OK);
	CHECK_EQ(bi.rsdp_len, 36);
}

TEST(mb2_larger_mmap_entry_size_accepted)
{
	struct mb2 m;

	mb2_begin(&m);
	mb2_module(&m, 0x200000, 0x201000, "m");
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 32);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_OK);
	CHECK_EQ(bi.mmap_count, QEMU_MAP_N);
	CHECK_UEQ(bi.mmap[3].base, 0x100000);
}

TEST(mb2_no_module)
{
	struct mb2 m;

	mb2_begin(&m);
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_NO_MODULE);
}

TEST(mb2_two_modules)
{
	struct mb2 m;

	mb2_begin(&m);
	mb2_module(&m, 0x200000, 0x201000, "a");
	mb2_module(&m, 0x201000, 0x202000, "b");
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_TOO_MANY_MODULES);
}

TEST(mb2_module_start_after_end)
{
	struct mb2 m;

	mb2_begin(&m);
	mb2_module(&m, 0x202000, 0x201000, "a");
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_MODULE);
}

TEST(mb2_module_outside_ram_rejected_by_check)
{
	struct mb2 m;

	/* past the top of RAM (0x8000000) and up against 4 GiB */
	mb2_begin(&m);
	mb2_module(&m, 0xfffff000, 0xffffffff, "a");
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_OK);
	CHECK_EQ(boot_info_check_module(&bi), CAPOS_ERR_BOOT_BAD_MODULE);
	/* straddling available RAM and a reserved hole */
	mb2_begin(&m);
	mb2_module(&m, 0x7fdf000, 0x7fe1000, "a");
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_OK);
	CHECK_EQ(boot_info_check_module(&bi), CAPOS_ERR_BOOT_BAD_MODULE);
}

TEST(mb2_module_spanning_adjacent_available_entries_ok)
{
	static const struct region split[] = { { 0x100000, 0x100000, 1 },
					       { 0x200000, 0x100000, 1 } };
	struct mb2 m;

	mb2_begin(&m);
	mb2_module(&m, 0x1ff000, 0x201000, "a");
	mb2_mmap(&m, split, 2, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_OK);
	CHECK_EQ(boot_info_check_module(&bi), CAPOS_OK);
}

TEST(mb2_missing_mmap)
{
	struct mb2 m;

	mb2_begin(&m);
	mb2_module(&m, 0x200000, 0x201000, "a");
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_MEMORY_MAP);
	mb2_begin(&m);
	mb2_module(&m, 0x200000, 0x201000, "a");
	mb2_mmap(&m, qemu_map, 0, 24); /* present but empty */
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_MEMORY_MAP);
}

TEST(mb2_total_size_bounds)
{
	struct mb2 m;

	mb2_valid(&m);
	CHECK_EQ(mb2_parse(m.buf, m.len - 1, 0, &bi), CAPOS_ERR_BOOT_BAD_SIZE);
	CHECK_EQ(mb2_parse(m.buf, 4, 0, &bi), CAPOS_ERR_BOOT_BAD_SIZE);
	put32(m.buf, 8);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_SIZE);
	put32(m.buf, 0);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_SIZE);
	put32(m.buf, 0xffffffff);
	CHECK_EQ(mb2_parse(m.buf, SIZE_MAX, 0, &bi), CAPOS_ERR_BOOT_BAD_SIZE);
}

TEST(mb2_truncated_before_end_tag)
{
	struct mb2 m;

	mb2_valid(&m);
	/* total size cuts the structure before the end tag */
	put32(m.buf, m.len - 8);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_NO_END_TAG);
	/* cut inside the last (ACPI, 44-byte) tag: it runs past the end */
	put32(m.buf, m.len - 16);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_TAG);
}

TEST(mb2_missing_end_tag)
{
	struct mb2 m;

	mb2_begin(&m);
	mb2_module(&m, 0x200000, 0x201000, "a");
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	put32(m.buf, m.len);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_NO_END_TAG);
}

TEST(mb2_zero_size_tag)
{
	struct mb2 m;
	uint32_t off;

	mb2_begin(&m);
	off = mb2_tag(&m, 2, "x", 2);
	mb2_module(&m, 0x200000, 0x201000, "a");
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_end(&m);
	put32(m.buf + off + 4, 0);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_TAG);
	put32(m.buf + off + 4, 7);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_TAG);
}

TEST(mb2_tag_running_past_end)
{
	struct mb2 m;
	uint32_t off;

	mb2_begin(&m);
	mb2_module(&m, 0x200000, 0x201000, "a");
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	off = mb2_tag(&m, 2, "x", 2);
	mb2_end(&m);
	put32(m.buf + off + 4, m.len - off + 1);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_TAG);
	put32(m.buf + off + 4, 0xfffffff8);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_TAG);
}

TEST(mb2_end_tag_with_wrong_size)
{
	struct mb2 m;

	mb2_valid(&m);
	put32(m.buf + m.len - 4, 16);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_TAG);
}

TEST(mb2_misaligned_info)
{
	static _Alignas(8) uint8_t shifted[8200];
	struct mb2 m;

	mb2_valid(&m);
	memcpy(shifted + 4, m.buf, m.len);
	CHECK_EQ(mb2_parse(shifted + 4, m.len, 0, &bi), CAPOS_ERR_BOOT_MISALIGNED);
	CHECK_EQ(mb2_parse(m.buf, m.len, 0x10004, &bi), CAPOS_ERR_BOOT_MISALIGNED);
}

TEST(mb2_unterminated_strings)
{
	struct mb2 m;
	uint8_t p[16];

	mb2_begin(&m);
	mb2_tag(&m, 1, "abc", 3); /* no NUL */
	mb2_module(&m, 0x200000, 0x201000, "a");
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_TAG);
	mb2_begin(&m);
	put32(p, 0x200000);
	put32(p + 4, 0x201000);
	memcpy(p + 8, "abcd", 4);
	mb2_tag(&m, 3, p, 12); /* module string without NUL */
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_TAG);
	mb2_begin(&m);
	mb2_tag(&m, 3, p, 8); /* module tag too short for a string */
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_TAG);
}

TEST(mb2_cmdline_too_long)
{
	static char longline[BOOT_CMDLINE_MAX + 1];
	struct mb2 m;

	memset(longline, 'a', BOOT_CMDLINE_MAX);
	mb2_begin(&m);
	mb2_str(&m, 1, longline);
	mb2_module(&m, 0x200000, 0x201000, "a");
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_CMDLINE_TOO_LONG);
	longline[BOOT_CMDLINE_MAX - 1] = 0; /* exactly fits */
	mb2_begin(&m);
	mb2_str(&m, 1, longline);
	mb2_module(&m, 0x200000, 0x201000, "a");
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_OK);
	CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
}

TEST(mb2_mmap_bad_entry_sizes)
{
	struct mb2 m;
	uint32_t off;

	mb2_begin(&m);
	mb2_module(&m, 0x200000, 0x201000, "a");
	mb2_mmap(&m, qemu_map, 2, 16); /* smaller than an entry */
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_ENTRY_SIZE);
	mb2_begin(&m);
	mb2_module(&m, 0x200000, 0x201000, "a");
	mb2_mmap(&m, qemu_map, 2, 28); /* not a multiple of 8 */
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_ENTRY_SIZE);
	mb2_begin(&m);
	mb2_module(&m, 0x200000, 0x201000, "a");
	off = m.len;
	mb2_mmap(&m, qemu_map, 2, 24);
	mb2_end(&m);
	put32(m.buf + off + 8, 0); /* entry_size 0 must not divide by zero */
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_ENTRY_SIZE);
	put32(m.buf + off + 8, 24);
	put32(m.buf + off + 4, 8 + 8 + 24 + 8); /* trailing partial entry */
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_TAG);
	put32(m.buf + off + 4, 8 + 4); /* too short for entry_size/version */
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_TAG);
}

TEST(mb2_mmap_too_many_entries)
{
	static struct region many[BOOT_MMAP_MAX + 1];
	struct mb2 m;

	for (unsigned i = 0; i <= BOOT_MMAP_MAX; i++)
		many[i] = (struct region){ 0x100000 + i * 0x1000ull, 0x1000, 1 };
	mb2_begin(&m);
	mb2_module(&m, 0x100000, 0x101000, "a");
	mb2_mmap(&m, many, BOOT_MMAP_MAX + 1, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_TOO_MANY_ENTRIES);
	mb2_begin(&m);
	mb2_module(&m, 0x100000, 0x101000, "a");
	mb2_mmap(&m, many, BOOT_MMAP_MAX, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_OK);
	CHECK_EQ(bi.mmap_count, BOOT_MMAP_MAX);
}

TEST(mb2_mmap_entry_wrapping_address_space)
{
	static const struct region wrap[] = { { 0xfffffffffffff000ull, 0x2000, 1 } };
	struct mb2 m;

	mb2_begin(&m);
	mb2_module(&m, 0x200000, 0x201000, "a");
	mb2_mmap(&m, wrap, 1, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_MEMORY_MAP);
}

TEST(mb2_duplicate_unique_tags)
{
	struct mb2 m;

	mb2_begin(&m);
	mb2_module(&m, 0x200000, 0x201000, "a");
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_mmap(&m, qemu_map, QEMU_MAP_N, 24);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_DUPLICATE_TAG);
	mb2_begin(&m);
	mb2_str(&m, 1, "a");
	mb2_str(&m, 1, "b");
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_DUPLICATE_TAG);
	mb2_begin(&m);
	mb2_tag(&m, 15, rsdp_v2, 36);
	mb2_tag(&m, 15, rsdp_v2, 36);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_DUPLICATE_TAG);
}

TEST(mb2_short_acpi_tags)
{
	struct mb2 m;

	mb2_begin(&m);
	mb2_tag(&m, 15, rsdp_v2, 20); /* v2 tag with a v1-sized copy */
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_TAG);
	mb2_begin(&m);
	mb2_tag(&m, 14, rsdp_v2, 19);
	mb2_end(&m);
	CHECK_EQ(parse(&m), CAPOS_ERR_BOOT_BAD_TAG);
}

/* ---- Multiboot1: a fake physical memory of 64 KiB ---- */

#define FAKE_PHYS 0x10000u
static _Alignas(8) uint8_t fake[FAKE_PHYS];

static const void *fake_read(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys >= FAKE_PHYS || len > FAKE_PHYS - phys)
		return NULL;
	return fake + phys;
}

#define INFO 0x1000u
#define MMAP 0x2000u
#define MODS 0x3000u
#define CMDL 0x4000u
#define MODCL 0x4800u

static void mb1_put_mmap(const struct region *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = fake + MMAP + i * 24;

		put32(e, 20);
		put64(e + 4, r[i].base);
		put64(e + 12, r[i].len);
		put32(e + 20, r[i].type);
	}
	put32(fake + INFO + 44, n * 24);
	put32(fake + INFO + 48, MMAP);
}

/* What QEMU's multiboot loader gives: cmdline, one module, mmap. */
static void mb1_valid(void)
{
	memset(fake, 0, sizeof(fake));
	put32(fake + INFO, (1u << 2) | (1u << 3) | (1u << 6) | 1u);
	put32(fake + INFO + 16, CMDL);
	strcpy((char *)fake + CMDL, "build/capos.elf selftest=gp");
	put32(fake + INFO + 20, 1);
	put32(fake + INFO + 24, MODS);
	put32(fake + MODS, 0x200000);
	put32(fake + MODS + 4, 0x200400);
	put32(fake + MODS + 8, MODCL);
	strcpy((char *)fake + MODCL, "build/manifest.bin");
	mb1_put_mmap(qemu_map, QEMU_MAP_N);
}

static int mb1(void)
{
	return mb1_parse(fake_read, NULL, INFO, &bi);
}

TEST(mb1_valid_structure_parses)
{
	mb1_valid();
	CHECK_EQ(mb1(), CAPOS_OK);
	CHECK_EQ(bi.protocol, 1);
	CHECK_STREQ(bi.cmdline, "build/capos.elf selftest=gp");
	CHECK_EQ(bi.module_count, 1);
	CHECK_UEQ(bi.module.start, 0x200000);
	CHECK_UEQ(bi.module.end, 0x200400);
	CHECK_STREQ(bi.module.cmdline, "build/manifest.bin");
	CHECK_EQ(bi.mmap_count, QEMU_MAP_N);
	CHECK_UEQ(bi.mmap[5].base, 0xfffc0000);
	CHECK_EQ(bi.mmap[2].type, 2);
	CHECK_EQ(bi.rsdp_len, 0);
	CHECK_EQ(bi.range_count, 5); /* info, mmap, cmdline, mods, module cmdline */
	CHECK_UEQ(bi.ranges[0].start, INFO);
	CHECK_UEQ(bi.ranges[1].start, MMAP);
	CHECK_UEQ(bi.ranges[1].end, MMAP + QEMU_MAP_N * 24);
	CHECK_EQ(boot_info_check_module(&bi), CAPOS_OK);
}

TEST(mb1_no_cmdline_flag_gives_empty_cmdline)
{
	mb1_valid();
	put32(fake + INFO, (1u << 3) | (1u << 6));
	CHECK_EQ(mb1(), CAPOS_OK);
	CHECK_STREQ(bi.cmdline, "");
}

TEST(mb1_module_count_rules)
{
	mb1_valid();
	put32(fake + INFO + 20, 0);
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_NO_MODULE);
	mb1_valid();
	put32(fake + INFO, (1u << 6));
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_NO_MODULE);
	mb1_valid();
	put32(fake + INFO + 20, 2);
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_TOO_MANY_MODULES);
	put32(fake + INFO + 20, 0xffffffff);
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_TOO_MANY_MODULES);
}

TEST(mb1_bad_module)
{
	mb1_valid();
	put32(fake + MODS, 0x300000);
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_BAD_MODULE);
	mb1_valid();
	put32(fake + INFO + 24, FAKE_PHYS - 8); /* module list runs off memory */
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_BAD_POINTER);
	mb1_valid();
	put32(fake + MODS + 8, 0x7fffffff); /* module string pointer dangles */
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_BAD_POINTER);
}

TEST(mb1_missing_or_bad_mmap)
{
	mb1_valid();
	put32(fake + INFO, (1u << 3));
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_MEMORY_MAP);
	mb1_valid();
	put32(fake + INFO + 44, 0);
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_MEMORY_MAP);
	mb1_valid();
	put32(fake + INFO + 48, FAKE_PHYS - 16); /* mmap past memory */
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_BAD_POINTER);
	mb1_valid();
	put32(fake + INFO + 44, 0x100000); /* absurd length */
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_BAD_SIZE);
}

TEST(mb1_mmap_entry_geometry)
{
	mb1_valid();
	put32(fake + MMAP + 24, 0); /* zero entry size: must not loop forever */
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_ENTRY_SIZE);
	mb1_valid();
	put32(fake + MMAP + 24, 19);
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_ENTRY_SIZE);
	mb1_valid();
	put32(fake + INFO + 44, QEMU_MAP_N * 24 - 4); /* last entry truncated */
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_BAD_TAG);
	mb1_valid();
	put32(fake + INFO + 44, QEMU_MAP_N * 24 + 2); /* stray bytes after */
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_BAD_TAG);
	mb1_valid();
	put32(fake + MMAP + 24, 0xfffffff0); /* huge size field */
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_BAD_TAG);
}

TEST(mb1_larger_entries_skip_correctly)
{
	mb1_valid();
	for (unsigned i = 0; i < 3; i++) {
		uint8_t *e = fake + MMAP + i * 28;

		memset(e, 0, 28);
		put32(e, 24);
		put64(e + 4, qemu_map[i].base);
		put64(e + 12, qemu_map[i].len);
		put32(e + 20, qemu_map[i].type);
	}
	put32(fake + INFO + 44, 3 * 28);
	CHECK_EQ(mb1(), CAPOS_OK);
	CHECK_EQ(bi.mmap_count, 3);
	CHECK_UEQ(bi.mmap[2].base, 0xf0000);
}

TEST(mb1_too_many_entries)
{
	static struct region many[BOOT_MMAP_MAX + 1];

	mb1_valid();
	for (unsigned i = 0; i <= BOOT_MMAP_MAX; i++)
		many[i] = (struct region){ i * 0x1000ull, 0x1000, 1 };
	mb1_put_mmap(many, BOOT_MMAP_MAX + 1);
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_TOO_MANY_ENTRIES);
}

TEST(mb1_cmdline_hostile)
{
	mb1_valid();
	memset(fake + CMDL, 'x', BOOT_CMDLINE_MAX + 4); /* unterminated in bound */
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_CMDLINE_TOO_LONG);
	mb1_valid();
	memset(fake + FAKE_PHYS - 4, 'x', 4); /* runs off the end of memory */
	put32(fake + INFO + 16, FAKE_PHYS - 4);
	CHECK_EQ(mb1(), CAPOS_ERR_BOOT_BAD_POINTER);
	mb1_valid();
	CHECK_EQ(mb1_parse(fake_read, NULL, FAKE_PHYS - 8, &bi), CAPOS_ERR_BOOT_BAD_POINTER);
	CHECK_EQ(mb1_parse(fake_read, NULL, UINT64_MAX - 4, &bi), CAPOS_ERR_BOOT_BAD_POINTER);
}

TEST(boot_mem_type_names)
{
	CHECK_STREQ(boot_mem_type_name(1), "available");
	CHECK_STREQ(boot_mem_type_name(4), "acpi-nvs");
	CHECK_STREQ(boot_mem_type_name(99), "unknown");
}
