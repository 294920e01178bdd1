/*
 * Host tests of the loader's TLS placement (kernel/proc/tls.c) against libcapos's
 * reference arithmetic (lib/libcapos/tls.c, the layout the user runtime expects):
 * over a sweep of PT_TLS sizes, alignments and image addresses, the kernel's block and
 * thread pointer must sit exactly where capos_tls_install puts them in an area with the
 * same page alignment, and the mapped size must be the smallest whole-page cover.
 * Hostile twins: non-power-of-two and oversize alignments, a wrapping base.
 */
#include "test.h"

#include <stdlib.h>

#include <capos/error.h>
#include <kernel/tls.h>
#include <libcapos/tls.h>

#define BASE 0x00007FFFC0000000ull

static int check_one(uint64_t vaddr, uint64_t memsz, uint64_t filesz, uint64_t align)
{
	struct capos_tls_image img = { vaddr, filesz, memsz, align };
	struct capos_tls_plan plan;
	struct tls_layout l;
	struct capos_tcb *tcb;

	if (capos_tls_plan(&img, &plan) != CAPOS_OK)
		return 1;
	if (tls_layout(vaddr, memsz, align, BASE, &l) != CAPOS_OK)
		return 2;
	unsigned char *area = aligned_alloc(4096, (plan.area_size + 4095) & ~4095ul);
	img.filesz = 0; /* only placement is compared; no image to copy on the host */
	if (capos_tls_install(&img, &plan, area, plan.area_size, 0, &tcb) != CAPOS_OK) {
		free(area);
		return 3;
	}
	uint64_t ref_tp = (uint64_t)((unsigned char *)tcb - area);
	int bad = 0;
	if (l.tp - BASE != ref_tp || l.offset != plan.offset || l.tp - l.offset != l.block)
		bad = 4;
	else if (align > 1 && (l.block - vaddr) % align != 0)
		bad = 5;
	else if (l.tp % (align > 16 ? align : 16) != 0)
		bad = 6;
	else if (l.map_size % 4096 != 0 || l.tp + 64 > BASE + l.map_size ||
		 BASE + l.map_size - 4096 >= l.tp + 64)
		bad = 7;
	free(area);
	return bad;
}

TEST(matches_the_libcapos_reference)
{
	static const uint64_t aligns[] = { 0, 1, 2, 8, 16, 32, 64, 256, 4096 };
	static const uint64_t sizes[] = { 0, 1, 7, 8, 64, 100, 4095, 4096, 4097, 60000 };
	static const uint64_t vaddrs[] = { 0x400000, 0x401003, 0x40a0f8, 0x7ff001 };

	for (unsigned a = 0; a < sizeof(aligns) / 8; a++)
		for (unsigned s = 0; s < sizeof(sizes) / 8; s++)
			for (unsigned v = 0; v < sizeof(vaddrs) / 8; v++) {
				uint64_t al = aligns[a], va = vaddrs[v];
				if (al > 1)
					va &= ~(al - 1); /* the ELF validator's congruence */
				va += al > 1 ? (vaddrs[v] & (al - 1)) : 0;
				int r = check_one(va, sizes[s], sizes[s] / 2, al);
				if (r != 0) {
					test_fail(__FILE__, __LINE__,
						  "align %llu size %llu vaddr %#llx: check %d",
						  (unsigned long long)al,
						  (unsigned long long)sizes[s],
						  (unsigned long long)va, r);
					return;
				}
			}
}

TEST(no_tls_still_gets_an_aligned_tcb)
{
	struct tls_layout l;

	CHECK_EQ(tls_layout(0, 0, 0, BASE, &l), CAPOS_OK);
	CHECK_UEQ(l.tp, BASE);
	CHECK_UEQ(l.block, BASE);
	CHECK_UEQ(l.map_size, 4096);
}

TEST(hostile_alignments_and_wrap)
{
	struct tls_layout l;

	CHECK_EQ(tls_layout(0x400000, 16, 3, BASE, &l), CAPOS_ERR_INVALID);
	CHECK_EQ(tls_layout(0x400000, 16, 24, BASE, &l), CAPOS_ERR_INVALID);
	CHECK_EQ(tls_layout(0x400000, 16, 8192, BASE, &l), CAPOS_ERR_INVALID);
	CHECK_EQ(tls_layout(0x400000, 16, 1ull << 63, BASE, &l), CAPOS_ERR_INVALID);
	CHECK_EQ(tls_layout(0x400000, 16, 16, 0xfffffffffffff000ull, &l), CAPOS_ERR_OVERFLOW);
	CHECK_EQ(tls_layout(0x400000, UINT64_MAX - 8, 16, BASE, &l), CAPOS_ERR_OVERFLOW);
}
