/*
 * Kernel stacks in their own window of the kernel half (kernel/kstack.h). Slot i
 * covers [base + i * stride, base + (i + 1) * stride): one unmapped guard page, then
 * KSTACK_PAGES mapped pages. Frames need not be contiguous. The window's tables are
 * created by kstack_init() (before the first user space copies the kernel half), so
 * every space sees every stack, and alloc/free never touch table frames (the free
 * frame count returns exactly to its value before kstack_alloc).
 * Lock legend: [B] boot CPU only, interrupts disabled.
 */
#include <kernel/kstack.h>

#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/tlb.h>

#define KSTACK_STRIDE (KSTACK_SIZE + FRAME_SIZE)
_Static_assert(KSTACK_SLOTS <= 64, "one 64-bit slot bitmap");

static uint64_t kstack_used; /* [B] bit i: slot i allocated */
static bool kstack_ready;    /* [B] kstack_init done */

static uint64_t kstack_slot_base(int slot)
{
	return KSTACK_WINDOW_BASE + (uint64_t)slot * KSTACK_STRIDE + FRAME_SIZE;
}

int kstack_init(void)
{
	struct arch_aspace *k = mm_kernel_aspace();
	int err;

	if (k == NULL)
		return CAPOS_ERR_UNSUPPORTED;
	err = arch_mm_populate(k, KSTACK_WINDOW_BASE, KSTACK_SLOTS * KSTACK_STRIDE);
	if (err)
		return err;
	kstack_ready = true;
	return CAPOS_OK;
}

static void kstack_unmap_pages(struct kstack *ks, unsigned n)
{
	struct arch_aspace *k = mm_kernel_aspace();
	uint64_t base = kstack_slot_base(ks->slot);

	for (unsigned i = 0; i < n; i++) {
		int err = arch_mm_unmap(k, base + i * FRAME_SIZE, FRAME_SIZE);

		if (err == CAPOS_OK) {
			/* every CPU forgets the page before its frame can be reused */
			tlb_flush_kernel_page(base + i * FRAME_SIZE);
			err = frame_free(ks->frames[i]);
		}
		if (err)
			panic("kstack: releasing page %u of slot %d: %s", i, ks->slot,
			      capos_error_name(err));
	}
}

int kstack_alloc(struct kstack *ks)
{
	struct arch_aspace *k = mm_kernel_aspace();
	unsigned i;
	int err = CAPOS_ERR_NO_MEMORY;

	ks->slot = -1;
	if (!kstack_ready || kstack_used == ~0ull)
		return CAPOS_ERR_NO_MEMORY;
	ks->slot = __builtin_ctzll(~kstack_used);
	/* Invariant: pages [0, i) of the slot are mapped to ks->frames[0..i). */
	for (i = 0; i < KSTACK_PAGES; i++) {
		uint64_t va = kstack_slot_base(ks->slot) + i * FRAME_SIZE;

		err = frame_alloc(&ks->frames[i]);
		if (err)
			goto out_unmap;
		err = arch_mm_map(k, va, ks->frames[i], FRAME_SIZE, ARCH_MM_WRITE);
		if (err) {
			frame_free(ks->frames[i]);
			goto out_unmap;
		}
	}
	kstack_used |= 1ull << ks->slot;
	ks->top = kstack_slot_base(ks->slot) + KSTACK_SIZE;
	return CAPOS_OK;
out_unmap:
	kstack_unmap_pages(ks, i);
	ks->slot = -1;
	return err;
}

void kstack_free(struct kstack *ks)
{
	if (ks->slot < 0)
		return;
	kstack_unmap_pages(ks, KSTACK_PAGES);
	kstack_used &= ~(1ull << ks->slot);
	ks->slot = -1;
}

unsigned kstack_in_use(void)
{
	return (unsigned)__builtin_popcountll(kstack_used);
}
