/*
 * Host tests of the ELF64 validator (kernel/proc/elf.c, compiled unmodified). A small
 * builder writes a valid static executable shaped like the ones libcapos links
 * (R headers+rodata with the TLS image, R+X text, R+W data+bss, PT_TLS,
 * PT_GNU_STACK); the positive tests check the exact mapping plan, and each hostile
 * twin changes one field of that image and asserts the exact typed error. A real
 * executable linked by clang/lld (tests/host/abi/elf_sample.c, built by
 * tests/host/abi.mk) must validate too.
 */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <kernel/elf.h>

#define FILE_MAX 0x4000
#define PH_OFF 64
#define PH_SIZE 56

struct ph {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
};

struct elfb {
	uint8_t bytes[FILE_MAX];
	uint64_t len;
	uint64_t phoff;
	struct ph ph[80];
	unsigned nph;
	uint64_t entry;
	uint16_t type, machine, ehsize, phentsize, phnum_override;
	uint32_t version;
	uint8_t ident[16];
};

static void put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void add_ph(struct elfb *b, uint32_t type, uint32_t flags, uint64_t off, uint64_t vaddr,
		   uint64_t filesz, uint64_t memsz, uint64_t align)
{
	b->ph[b->nph++] = (struct ph){ type, flags, off, vaddr, filesz, memsz, align };
}

/* The baseline: three PT_LOADs, PT_TLS inside the first, PT_GNU_STACK RW. */
static void elfb_valid(struct elfb *b)
{
	memset(b, 0, sizeof(*b));
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
	memcpy(b->ident, ident, 16);
	b->type = 2;
	b->machine = 62;
	b->version = 1;
	b->ehsize = 64;
	b->phentsize = 56;
	b->phoff = PH_OFF;
	b->len = 0x2080;
	b->entry = 0x401010;
	add_ph(b, 1, 4, 0x0, 0x400000, 0x1000, 0x1000, 0x1000);	 /* R: headers, rodata */
	add_ph(b, 1, 5, 0x1000, 0x401000, 0x100, 0x100, 0x1000); /* R+X: text */
	add_ph(b, 1, 6, 0x2000, 0x402000, 0x80, 0x3000, 0x1000); /* R+W: data, bss */
	add_ph(b, 7, 4, 0x800, 0x400800, 0x10, 0x40, 16);	 /* TLS image */
	add_ph(b, 0x6474e551, 6, 0, 0, 0, 0, 16);		 /* GNU_STACK RW */
}

static const uint8_t *elfb_bytes(struct elfb *b)
{
	memset(b->bytes, 0xCC, sizeof(b->bytes));
	memcpy(b->bytes, b->ident, 16);
	put(b->bytes + 16, b->type, 2);
	put(b->bytes + 18, b->machine, 2);
	put(b->bytes + 20, b->version, 4);
	put(b->bytes + 24, b->entry, 8);
	put(b->bytes + 32, b->phoff, 8);
	put(b->bytes + 40, 0, 8); /* e_shoff: ignored */
	put(b->bytes + 48, 0, 4);
	put(b->bytes + 52, b->ehsize, 2);
	put(b->bytes + 54, b->phentsize, 2);
	put(b->bytes + 56, b->phnum_override ? b->phnum_override : b->nph, 2);
	for (unsigned i = 0; i < b->nph; i++) {
		uint64_t at = b->phoff + (uint64_t)i * PH_SIZE;
		if (b->phoff > sizeof(b->bytes) || at + PH_SIZE > sizeof(b->bytes))
			break; /* a table placed outside the buffer is left unwritten */
		uint8_t *p = b->bytes + at;
		put(p + 0, b->ph[i].type, 4);
		put(p + 4, b->ph[i].flags, 4);
		put(p + 8, b->ph[i].offset, 8);
		put(p + 16, b->ph[i].vaddr, 8);
		put(p + 24, b->ph[i].vaddr, 8); /* p_paddr: ignored */
		put(p + 32, b->ph[i].filesz, 8);
		put(p + 40, b->ph[i].memsz, 8);
		put(p + 48, b->ph[i].align, 8);
	}
	return b->bytes;
}

static int run(struct elfb *b, struct elf_image *img)
{
	const uint8_t *bytes = elfb_bytes(b);
	/* Validate a heap copy of exactly len bytes so ASan catches any over-read. */
	uint8_t *copy = malloc(b->len ? b->len : 1);
	memcpy(copy, bytes, b->len);
	int err = elf_validate(copy, b->len, img);
	free(copy);
	return err;
}

static int check(void (*mutate)(struct elfb *))
{
	static struct elfb b;
	struct elf_image img;
	elfb_valid(&b);
	mutate(&b);
	return run(&b, &img);
}

TEST(elf_valid_image_plan)
{
	static struct elfb b;
	struct elf_image img;
	elfb_valid(&b);
	CHECK_EQ(run(&b, &img), CAPOS_OK);
	CHECK_UEQ(img.entry, 0x401010);
	CHECK_UEQ(img.nsegs, 3);
	CHECK_UEQ(img.segs[0].prot, ELF_PROT_R);
	CHECK_UEQ(img.segs[1].prot, ELF_PROT_R | ELF_PROT_X);
	CHECK_UEQ(img.segs[2].prot, ELF_PROT_R | ELF_PROT_W);
	CHECK_UEQ(img.segs[2].vaddr, 0x402000);
	CHECK_UEQ(img.segs[2].file_offset, 0x2000);
	CHECK_UEQ(img.segs[2].filesz, 0x80);
	CHECK_UEQ(img.segs[2].memsz, 0x3000);
	CHECK_UEQ(img.segs[2].map_start, 0x402000);
	CHECK_UEQ(img.segs[2].map_end, 0x405000);
	CHECK(img.has_tls);
	CHECK_UEQ(img.tls.vaddr, 0x400800);
	CHECK_UEQ(img.tls.file_offset, 0x800);
	CHECK_UEQ(img.tls.filesz, 0x10);
	CHECK_UEQ(img.tls.memsz, 0x40);
	CHECK_UEQ(img.tls.align, 16);
}

static void m_unaligned_segments(struct elfb *b)
{
	/* Segments that start mid-page (same offset within the page in file and memory). */
	b->ph[1] = (struct ph){ 1, 5, 0x1010, 0x401010, 0xF0, 0xF0, 0x1000 };
	b->ph[2] = (struct ph){ 1, 6, 0x2040, 0x402040, 0x40, 0x3000, 8 };
}

static void m_ignored_headers(struct elfb *b)
{
	b->ident[7] = 3;					   /* ELFOSABI_GNU */
	add_ph(b, 0, 0, 0, 0, 0, 0, 0);				   /* PT_NULL */
	add_ph(b, 4, 4, 0x100, 0x400100, 0x20, 0x20, 4);	   /* PT_NOTE */
	add_ph(b, 6, 4, 64, 0x400040, 0x100, 0x100, 8);		   /* PT_PHDR */
	add_ph(b, 0x6474e552, 4, 0x2000, 0x402000, 0x80, 0x80, 1); /* PT_GNU_RELRO */
	add_ph(b, 0x70000001, 4, 0, 0, 0, 0, 0);		   /* processor-specific */
	add_ph(b, 1, 6, 0x2080, 0x500080, 0, 0, 0x1000);	   /* empty PT_LOAD: skipped */
	b->phoff = 0x1c3;					   /* an unaligned table is fine */
	b->len = 0x2080;
}

static void m_segment_at_image_end(struct elfb *b)
{
	b->ph[2] = (struct ph){ 1, 6, 0x2000, CAPOS_USER_IMAGE_END - 0x3000, 0x80, 0x3000, 0 };
}

TEST(elf_valid_variants)
{
	CHECK_EQ(check(m_unaligned_segments), CAPOS_OK);
	CHECK_EQ(check(m_ignored_headers), CAPOS_OK);
	CHECK_EQ(check(m_segment_at_image_end), CAPOS_OK);
	static struct elfb b;
	struct elf_image img;
	elfb_valid(&b);
	m_ignored_headers(&b);
	CHECK_EQ(run(&b, &img), CAPOS_OK);
	CHECK_UEQ(img.nsegs, 3); /* the empty PT_LOAD is not in the plan */
	elfb_valid(&b);
	m_unaligned_segments(&b);
	CHECK_EQ(run(&b, &img), CAPOS_OK);
	CHECK_UEQ(img.segs[1].map_start, 0x401000);
	CHECK_UEQ(img.segs[1].map_end, 0x402000);
}

/* ---- hostile twins: one mutation, one exact error ---- */
static void m_short(struct elfb *b)
{
	b->len = 63;
}
static void m_magic(struct elfb *b)
{
	b->ident[1] = 'e';
}
static void m_class32(struct elfb *b)
{
	b->ident[4] = 1;
}
static void m_big_endian(struct elfb *b)
{
	b->ident[5] = 2;
}
static void m_ident_version(struct elfb *b)
{
	b->ident[6] = 0;
}
static void m_osabi(struct elfb *b)
{
	b->ident[7] = 9;
}
static void m_abiversion(struct elfb *b)
{
	b->ident[8] = 1;
}
static void m_type_dyn(struct elfb *b)
{
	b->type = 3;
}
static void m_type_rel(struct elfb *b)
{
	b->type = 1;
}
static void m_machine(struct elfb *b)
{
	b->machine = 3;
}
static void m_version(struct elfb *b)
{
	b->version = 2;
}
static void m_ehsize(struct elfb *b)
{
	b->ehsize = 52;
}
static void m_phentsize(struct elfb *b)
{
	b->phentsize = 32;
}
static void m_phnum_zero(struct elfb *b)
{
	b->nph = 0;
}
static void m_phnum_big(struct elfb *b)
{
	b->phnum_override = 65;
}
static void m_phnum_xnum(struct elfb *b)
{
	b->phnum_override = 0xFFFF;
}
static void m_phoff_past_end(struct elfb *b)
{
	b->phoff = 0x2081;
}
static void m_phoff_overflow(struct elfb *b)
{
	b->phoff = UINT64_MAX - 8;
}
static void m_ph_straddles_end(struct elfb *b)
{
	b->phoff = 0x2080 - 5 * 56 + 1;
	b->len = 0x2080;
}
static void m_shlib(struct elfb *b)
{
	add_ph(b, 5, 4, 0, 0, 0, 0, 0);
}
static void m_generic_unknown(struct elfb *b)
{
	add_ph(b, 8, 4, 0, 0, 0, 0, 0);
}
static void m_interp(struct elfb *b)
{
	add_ph(b, 3, 4, 0x200, 0x400200, 0x10, 0x10, 1);
}
static void m_dynamic(struct elfb *b)
{
	add_ph(b, 2, 6, 0x2000, 0x402000, 0x40, 0x40, 8);
}
static void m_exec_stack(struct elfb *b)
{
	b->ph[4].flags = 7;
}
static void m_filesz_gt_memsz(struct elfb *b)
{
	b->ph[2].filesz = 0x3001;
}
static void m_memsz_huge(struct elfb *b)
{
	b->ph[2].memsz = ELF_SEG_MAX_MEMSZ + 1;
}
static void m_seg_past_file(struct elfb *b)
{
	b->ph[2].filesz = 0x81;
}
static void m_seg_offset_overflow(struct elfb *b)
{
	b->ph[1].offset = UINT64_MAX - 0xFFF; /* congruent with the vaddr, wraps on + filesz */
}
static void m_incongruent(struct elfb *b)
{
	b->ph[1].vaddr += 8;
	b->entry += 8;
}
static void m_align_not_pow2(struct elfb *b)
{
	b->ph[1].align = 0x3000;
}
static void m_align_incongruent(struct elfb *b)
{
	b->ph[1].align = 0x800000;
}
static void m_vaddr_null_page(struct elfb *b)
{
	b->ph[0].vaddr = 0;
	b->ph[3].vaddr = 0x800;
}
static void m_vaddr_below_base(struct elfb *b)
{
	b->ph[2].vaddr = CAPOS_USER_IMAGE_BASE - 0x2000;
}
static void m_vaddr_kernel(struct elfb *b)
{
	b->ph[2].vaddr = 0xFFFFFFFF80002000ull;
}
static void m_vaddr_anon_region(struct elfb *b)
{
	b->ph[2].vaddr = CAPOS_USER_IMAGE_END;
}
static void m_end_past_image(struct elfb *b)
{
	b->ph[2].vaddr = CAPOS_USER_IMAGE_END - 0x2000; /* memsz 0x3000 runs one page over */
}
static void m_no_perms(struct elfb *b)
{
	b->ph[0].flags = 0;
}
static void m_rwx(struct elfb *b)
{
	b->ph[1].flags = 7;
}
static void m_wx(struct elfb *b)
{
	b->ph[2].flags = 3;
}
static void m_too_many(struct elfb *b)
{
	b->nph = 0;
	for (unsigned i = 0; i < ELF_MAX_SEGMENTS + 1; i++)
		add_ph(b, 1, i == 0 ? 5 : 4, 0x1000, 0x401000 + i * 0x1000ull, 0x10, 0x10, 0x1000);
}
static void m_only_empty(struct elfb *b)
{
	b->nph = 0;
	add_ph(b, 1, 5, 0x1000, 0x401000, 0, 0, 0x1000);
}
static void m_overlap_same_page(struct elfb *b)
{
	b->ph[2] = (struct ph){ 1, 6, 0x1800, 0x401800, 0x80, 0x100, 8 }; /* shares 0x401000 */
}
static void m_overlap_duplicate(struct elfb *b)
{
	add_ph(b, 1, 4, 0, 0x400000, 0x10, 0x10, 0x1000);
}
static void m_overlap_bss(struct elfb *b)
{
	b->ph[0].memsz = 0x1800; /* rodata's zero tail runs into text's page */
}
static void m_two_tls(struct elfb *b)
{
	add_ph(b, 7, 4, 0x800, 0x400800, 0x10, 0x40, 16);
}
static void m_tls_filesz(struct elfb *b)
{
	b->ph[3].filesz = 0x41;
}
static void m_tls_huge(struct elfb *b)
{
	b->ph[3].memsz = ELF_TLS_MAX_MEMSZ + 1;
}
static void m_tls_align(struct elfb *b)
{
	b->ph[3].align = 24;
}
static void m_tls_align_big(struct elfb *b)
{
	b->ph[3].align = 8192;
}
static void m_tls_outside_file(struct elfb *b)
{
	b->ph[3].offset = 0x2078;
}
static void m_tls_not_loaded(struct elfb *b)
{
	b->ph[3].vaddr = 0x500800;
}
static void m_tls_in_bss(struct elfb *b)
{
	b->ph[3].vaddr = 0x402100; /* inside data's memsz but past its file bytes */
	b->ph[3].offset = 0x2100 - 0x100;
}
static void m_tls_straddles(struct elfb *b)
{
	b->ph[3].vaddr = 0x400FF8; /* runs 8 bytes past rodata's file bytes */
	b->ph[3].offset = 0xFF8;
}
static void m_tls_offset_mismatch(struct elfb *b)
{
	b->ph[3].offset = 0x900;
}
static void m_entry_not_exec(struct elfb *b)
{
	b->entry = 0x400010;
}
static void m_entry_zero(struct elfb *b)
{
	b->entry = 0;
}
static void m_entry_past_text(struct elfb *b)
{
	b->entry = 0x401100;
}
static void m_entry_in_data(struct elfb *b)
{
	b->entry = 0x402000;
}

static const struct {
	const char *name;
	void (*mutate)(struct elfb *);
	int err;
} hostile[] = {
	{ "short", m_short, CAPOS_ERR_ELF_TRUNCATED },
	{ "magic", m_magic, CAPOS_ERR_ELF_BAD_MAGIC },
	{ "class32", m_class32, CAPOS_ERR_ELF_BAD_CLASS },
	{ "big_endian", m_big_endian, CAPOS_ERR_ELF_BAD_DATA },
	{ "ident_version", m_ident_version, CAPOS_ERR_ELF_BAD_VERSION },
	{ "osabi", m_osabi, CAPOS_ERR_ELF_BAD_OSABI },
	{ "abiversion", m_abiversion, CAPOS_ERR_ELF_BAD_OSABI },
	{ "type_dyn", m_type_dyn, CAPOS_ERR_ELF_BAD_TYPE },
	{ "type_rel", m_type_rel, CAPOS_ERR_ELF_BAD_TYPE },
	{ "machine", m_machine, CAPOS_ERR_ELF_BAD_MACHINE },
	{ "version", m_version, CAPOS_ERR_ELF_BAD_VERSION },
	{ "ehsize", m_ehsize, CAPOS_ERR_ELF_BAD_HEADER_SIZE },
	{ "phentsize", m_phentsize, CAPOS_ERR_ELF_BAD_HEADER_SIZE },
	{ "phnum_zero", m_phnum_zero, CAPOS_ERR_ELF_BAD_PHNUM },
	{ "phnum_big", m_phnum_big, CAPOS_ERR_ELF_BAD_PHNUM },
	{ "phnum_xnum", m_phnum_xnum, CAPOS_ERR_ELF_BAD_PHNUM },
	{ "phoff_past_end", m_phoff_past_end, CAPOS_ERR_ELF_PH_BOUNDS },
	{ "phoff_overflow", m_phoff_overflow, CAPOS_ERR_ELF_PH_BOUNDS },
	{ "ph_straddles_end", m_ph_straddles_end, CAPOS_ERR_ELF_PH_BOUNDS },
	{ "shlib", m_shlib, CAPOS_ERR_ELF_BAD_SEGMENT_TYPE },
	{ "generic_unknown", m_generic_unknown, CAPOS_ERR_ELF_BAD_SEGMENT_TYPE },
	{ "interp", m_interp, CAPOS_ERR_ELF_DYNAMIC },
	{ "dynamic", m_dynamic, CAPOS_ERR_ELF_DYNAMIC },
	{ "exec_stack", m_exec_stack, CAPOS_ERR_ELF_EXEC_STACK },
	{ "filesz_gt_memsz", m_filesz_gt_memsz, CAPOS_ERR_ELF_SEG_SIZE },
	{ "memsz_huge", m_memsz_huge, CAPOS_ERR_ELF_SEG_SIZE },
	{ "seg_past_file", m_seg_past_file, CAPOS_ERR_ELF_SEG_FILE_BOUNDS },
	{ "seg_offset_overflow", m_seg_offset_overflow, CAPOS_ERR_ELF_SEG_FILE_BOUNDS },
	{ "incongruent", m_incongruent, CAPOS_ERR_ELF_SEG_ALIGN },
	{ "align_not_pow2", m_align_not_pow2, CAPOS_ERR_ELF_SEG_ALIGN },
	{ "align_incongruent", m_align_incongruent, CAPOS_ERR_ELF_SEG_ALIGN },
	{ "vaddr_null_page", m_vaddr_null_page, CAPOS_ERR_ELF_SEG_ADDRESS },
	{ "vaddr_below_base", m_vaddr_below_base, CAPOS_ERR_ELF_SEG_ADDRESS },
	{ "vaddr_kernel", m_vaddr_kernel, CAPOS_ERR_ELF_SEG_ADDRESS },
	{ "vaddr_anon_region", m_vaddr_anon_region, CAPOS_ERR_ELF_SEG_ADDRESS },
	{ "end_past_image", m_end_past_image, CAPOS_ERR_ELF_SEG_ADDRESS },
	{ "no_perms", m_no_perms, CAPOS_ERR_ELF_SEG_PERMS },
	{ "rwx", m_rwx, CAPOS_ERR_ELF_WX },
	{ "wx", m_wx, CAPOS_ERR_ELF_WX },
	{ "too_many", m_too_many, CAPOS_ERR_ELF_TOO_MANY_SEGMENTS },
	{ "only_empty", m_only_empty, CAPOS_ERR_ELF_NO_SEGMENTS },
	{ "overlap_same_page", m_overlap_same_page, CAPOS_ERR_ELF_SEG_OVERLAP },
	{ "overlap_duplicate", m_overlap_duplicate, CAPOS_ERR_ELF_SEG_OVERLAP },
	{ "overlap_bss", m_overlap_bss, CAPOS_ERR_ELF_SEG_OVERLAP },
	{ "two_tls", m_two_tls, CAPOS_ERR_ELF_BAD_TLS },
	{ "tls_filesz", m_tls_filesz, CAPOS_ERR_ELF_BAD_TLS },
	{ "tls_huge", m_tls_huge, CAPOS_ERR_ELF_BAD_TLS },
	{ "tls_align", m_tls_align, CAPOS_ERR_ELF_BAD_TLS },
	{ "tls_align_big", m_tls_align_big, CAPOS_ERR_ELF_BAD_TLS },
	{ "tls_outside_file", m_tls_outside_file, CAPOS_ERR_ELF_BAD_TLS },
	{ "tls_not_loaded", m_tls_not_loaded, CAPOS_ERR_ELF_BAD_TLS },
	{ "tls_in_bss", m_tls_in_bss, CAPOS_ERR_ELF_BAD_TLS },
	{ "tls_straddles", m_tls_straddles, CAPOS_ERR_ELF_BAD_TLS },
	{ "tls_offset_mismatch", m_tls_offset_mismatch, CAPOS_ERR_ELF_BAD_TLS },
	{ "entry_not_exec", m_entry_not_exec, CAPOS_ERR_ELF_BAD_ENTRY },
	{ "entry_zero", m_entry_zero, CAPOS_ERR_ELF_BAD_ENTRY },
	{ "entry_past_text", m_entry_past_text, CAPOS_ERR_ELF_BAD_ENTRY },
	{ "entry_in_data", m_entry_in_data, CAPOS_ERR_ELF_BAD_ENTRY },
};

TEST(elf_hostile_twins_exact_errors)
{
	unsigned bad = 0;
	for (unsigned i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		int err = check(hostile[i].mutate);
		if (err != hostile[i].err) {
			printf("# %s: got %s, want %s\n", hostile[i].name, capos_error_name(err),
			       capos_error_name(hostile[i].err));
			bad++;
		}
	}
	CHECK_EQ(bad, 0);
}

TEST(elf_every_truncation_rejected)
{
	static struct elfb b;
	struct elf_image img;
	elfb_valid(&b);
	const uint8_t *full = elfb_bytes(&b);
	/* Any prefix shorter than the last segment's file bytes must fail, never over-read. */
	for (uint64_t n = 0; n < 0x2080; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, full, n);
		int err = elf_validate(copy, n, &img);
		free(copy);
		if (err == CAPOS_OK) {
			test_fail(__FILE__, __LINE__, "prefix of %llu bytes accepted",
				  (unsigned long long)n);
			return;
		}
	}
	CHECK_EQ(elf_validate(NULL, 64, &img), CAPOS_ERR_INVALID);
}

/* An executable produced by the real toolchain (static, non-PIE, with TLS). */
TEST(elf_toolchain_sample_validates)
{
	FILE *f = fopen(ELF_SAMPLE_PATH, "rb");
	CHECK(f != NULL);
	static uint8_t buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	CHECK(n > 64 && n < sizeof(buf));
	struct elf_image img;
	int err = elf_validate(buf, n, &img);
	if (err) {
		test_fail(__FILE__, __LINE__, "sample: %s", capos_error_name(err));
		return;
	}
	CHECK(img.has_tls);
	CHECK(img.nsegs >= 2);
	bool text = false, data = false;
	for (uint32_t i = 0; i < img.nsegs; i++) {
		text |= (img.segs[i].prot & ELF_PROT_X) != 0;
		data |= (img.segs[i].prot & ELF_PROT_W) != 0;
	}
	CHECK(text && data);
	/* Making its text segment writable must trip W^X. */
	uint64_t phoff;
	memcpy(&phoff, buf + 32, 8);
	uint16_t phnum;
	memcpy(&phnum, buf + 56, 2);
	for (uint16_t i = 0; i < phnum; i++) {
		uint8_t *ph = buf + phoff + i * 56u;
		uint32_t type, flags;
		memcpy(&type, ph, 4);
		memcpy(&flags, ph + 4, 4);
		if (type == 1 && (flags & 1)) {
			flags |= 2;
			memcpy(ph + 4, &flags, 4);
		}
	}
	CHECK_EQ(elf_validate(buf, n, &img), CAPOS_ERR_ELF_WX);
}
