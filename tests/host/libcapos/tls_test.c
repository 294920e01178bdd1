/*
 * Host tests of libcapos's TLS planner/installer (lib/libcapos/tls.c, unmodified):
 * variant II placement for several sizes and alignments (block congruent to the
 * image's p_vaddr, ends at tp, TCB self pointer and canary), and hostile PT_TLS
 * descriptions (filesz > memsz, non-power-of-two or oversize alignment, oversize
 * block, wrapping image) and undersized areas, each with its exact status.
 */
#include "test.h"

#include <libcapos/tls.h>

#include <capos/error.h>
#include <stdint.h>
#include <string.h>

static unsigned char tls_area[3 * CAPOS_TLS_MAX_ALIGN + CAPOS_TLS_MAX_SIZE];
static _Alignas(4096) unsigned char tls_image[8192];

static void tls_check_layout(uint64_t filesz, uint64_t memsz, uint64_t align, size_t misalign)
{
	struct capos_tls_image img = { (uintptr_t)tls_image, filesz, memsz, align };
	struct capos_tls_plan plan;
	struct capos_tcb *tcb = NULL;
	unsigned char *block;
	uint64_t a = align ? align : 1;

	for (size_t i = 0; i < sizeof(tls_image); i++)
		tls_image[i] = (unsigned char)(i * 7 + 1);
	memset(tls_area, 0xee, sizeof(tls_area));
	CHECK_EQ(capos_tls_plan(&img, &plan), CAPOS_OK);
	CHECK(plan.offset >= memsz && plan.offset < memsz + a);
	CHECK_EQ(capos_tls_install(&img, &plan, tls_area + misalign, plan.area_size, 0xabcdef00,
				   &tcb),
		 CAPOS_OK);
	block = (unsigned char *)tcb - plan.offset;
	CHECK(block >= tls_area + misalign);
	CHECK((unsigned char *)(tcb + 1) <= tls_area + misalign + plan.area_size);
	CHECK_UEQ((uintptr_t)tcb % plan.tp_align, 0);
	CHECK_UEQ((uintptr_t)block % a, (uintptr_t)tls_image % a);
	CHECK_MEMEQ(block, tls_image, (size_t)filesz);
	for (uint64_t i = filesz; i < plan.offset; i++)
		CHECK_EQ(block[i], 0);
	CHECK(tcb->self == (uintptr_t)tcb);
	CHECK_UEQ(tcb->stack_guard, 0xabcdef00);
	CHECK_EQ(tcb->reserved0[0] | tcb->reserved0[3] | tcb->reserved1[1], 0);
	/* Nothing written outside [area, area + area_size). */
	if (misalign)
		CHECK_EQ(tls_area[misalign - 1], 0xee);
	CHECK_EQ(tls_area[misalign + plan.area_size], 0xee);
}

TEST(tls_layouts)
{
	static const uint64_t sizes[][3] = {
		{ 0, 0, 0 },   { 4, 4, 4 }, { 4, 12, 8 },	  { 100, 136, 64 },
		{ 0, 24, 16 }, { 1, 1, 1 }, { 3000, 5000, 4096 }, { 8192, 8192, 32 },
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (size_t mis = 0; mis < 24; mis += 7) {
			tls_check_layout(sizes[i][0], sizes[i][1], sizes[i][2], mis);
			if (test_failed())
				return;
		}
}

TEST(tls_image_congruence_kept_for_unaligned_vaddr)
{
	/* p_vaddr = 8 mod 32: the block must start at 8 mod 32 too. */
	struct capos_tls_image img = { (uintptr_t)tls_image + 8, 16, 40, 32 };
	struct capos_tls_plan plan;
	struct capos_tcb *tcb;

	CHECK_EQ(capos_tls_plan(&img, &plan), CAPOS_OK);
	CHECK_EQ(capos_tls_install(&img, &plan, tls_area, plan.area_size, 1, &tcb), CAPOS_OK);
	CHECK_UEQ(((uintptr_t)tcb - plan.offset) % 32, 8);
	CHECK_MEMEQ((unsigned char *)tcb - plan.offset, tls_image + 8, 16);
}

TEST(tls_hostile_filesz_above_memsz)
{
	struct capos_tls_image img = { (uintptr_t)tls_image, 65, 64, 8 };
	struct capos_tls_plan plan;

	CHECK_EQ(capos_tls_plan(&img, &plan), CAPOS_ERR_INVALID);
}

TEST(tls_hostile_align_not_power_of_two)
{
	struct capos_tls_image img = { (uintptr_t)tls_image, 8, 8, 24 };
	struct capos_tls_plan plan;

	CHECK_EQ(capos_tls_plan(&img, &plan), CAPOS_ERR_INVALID);
	img.align = UINT64_MAX;
	CHECK_EQ(capos_tls_plan(&img, &plan), CAPOS_ERR_INVALID);
}

TEST(tls_hostile_oversize)
{
	struct capos_tls_image img = { (uintptr_t)tls_image, 0, CAPOS_TLS_MAX_SIZE + 1, 8 };
	struct capos_tls_plan plan;

	CHECK_EQ(capos_tls_plan(&img, &plan), CAPOS_ERR_OUT_OF_RANGE);
	img.memsz = UINT64_MAX;
	CHECK_EQ(capos_tls_plan(&img, &plan), CAPOS_ERR_OUT_OF_RANGE);
	img.memsz = 8;
	img.align = CAPOS_TLS_MAX_ALIGN * 2;
	CHECK_EQ(capos_tls_plan(&img, &plan), CAPOS_ERR_OUT_OF_RANGE);
	img.align = (uint64_t)1 << 63;
	CHECK_EQ(capos_tls_plan(&img, &plan), CAPOS_ERR_OUT_OF_RANGE);
	/* The limits themselves are accepted. */
	img.memsz = CAPOS_TLS_MAX_SIZE;
	img.align = CAPOS_TLS_MAX_ALIGN;
	CHECK_EQ(capos_tls_plan(&img, &plan), CAPOS_OK);
}

TEST(tls_hostile_image_wraps)
{
	struct capos_tls_image img = { UINTPTR_MAX - 3, 8, 8, 8 };
	struct capos_tls_plan plan;

	CHECK_EQ(capos_tls_plan(&img, &plan), CAPOS_ERR_OVERFLOW);
}

TEST(tls_hostile_area_too_small)
{
	struct capos_tls_image img = { (uintptr_t)tls_image, 16, 32, 16 };
	struct capos_tls_plan plan;
	struct capos_tcb *tcb = NULL;

	CHECK_EQ(capos_tls_plan(&img, &plan), CAPOS_OK);
	memset(tls_area, 0xee, sizeof(tls_area));
	CHECK_EQ(capos_tls_install(&img, &plan, tls_area, plan.area_size - 1, 1, &tcb),
		 CAPOS_ERR_BUFFER_TOO_SMALL);
	CHECK(tcb == NULL);
	CHECK_EQ(tls_area[0], 0xee);
	CHECK_EQ(capos_tls_install(&img, &plan, tls_area, 0, 1, &tcb), CAPOS_ERR_BUFFER_TOO_SMALL);
	/* An area that wraps the address space is refused even if its size looks right. */
	CHECK_EQ(
		capos_tls_install(&img, &plan, (void *)(UINTPTR_MAX - 15), plan.area_size, 1, &tcb),
		CAPOS_ERR_BUFFER_TOO_SMALL);
}

/* A minimal ELF header + program headers in memory, as capos_tls_find_image reads them. */
TEST(tls_find_image_reads_pt_tls)
{
	static _Alignas(8) unsigned char elf[64 + 3 * 56];
	struct capos_tls_image img = { 1, 1, 1, 1 };
	uint64_t phoff = 64;
	uint16_t phentsize = 56, phnum = 3;
	uint32_t load = 1, tls = 7;
	uint64_t vaddr = 0x402240, filesz = 0x80, memsz = 0x88, align = 0x40;

	memset(elf, 0, sizeof(elf));
	memcpy(elf + 0x20, &phoff, 8);
	memcpy(elf + 0x36, &phentsize, 2);
	memcpy(elf + 0x38, &phnum, 2);
	memcpy(elf + 64, &load, 4);
	memcpy(elf + 64 + 56, &load, 4);
	memcpy(elf + 64 + 112, &tls, 4);
	memcpy(elf + 64 + 112 + 0x10, &vaddr, 8);
	memcpy(elf + 64 + 112 + 0x20, &filesz, 8);
	memcpy(elf + 64 + 112 + 0x28, &memsz, 8);
	memcpy(elf + 64 + 112 + 0x30, &align, 8);
	capos_tls_find_image(elf, &img);
	CHECK_UEQ(img.vaddr, vaddr);
	CHECK_UEQ(img.filesz, filesz);
	CHECK_UEQ(img.memsz, memsz);
	CHECK_UEQ(img.align, align);
	/* Without PT_TLS: an all-zero image. */
	memcpy(elf + 64 + 112, &load, 4);
	capos_tls_find_image(elf, &img);
	CHECK_UEQ(img.vaddr | img.filesz | img.memsz | img.align, 0);
}
