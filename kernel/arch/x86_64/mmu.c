/*
 * x86_64 MMU hardware side of the kmem arch contract: loading CR3, dropping one TLB
 * entry, reading EFER.NXE, and naming the kernel-image guard pages that the final
 * page tables leave unmapped (boot stack and IST stacks, listed by kboot's
 * arch_stack_guard_pages()). One tiny inline per privileged instruction; the table
 * logic itself is in paging.c.
 */
#include <kernel/arch.h>

#define MSR_EFER 0xC0000080u
#define EFER_NXE (1ull << 11)

static inline void cpu_write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void cpu_invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t cpu_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

void arch_mm_activate(const struct arch_aspace *as)
{
	cpu_write_cr3(as->root_phys);
}

void arch_mm_flush_page(uint64_t va)
{
	cpu_invlpg(va);
}

void arch_mm_flush_all(void)
{
	uint64_t cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	cpu_write_cr3(cr3);
}

bool arch_mm_nx_enabled(void)
{
	return (cpu_rdmsr(MSR_EFER) & EFER_NXE) != 0;
}

/* The guard list is kboot's (gdt.c): boot stack plus the NMI/#DF/#MC IST stacks. */
size_t arch_mm_image_guards(uint64_t *va, size_t cap)
{
	size_t n = arch_stack_guard_pages(va, cap);
	return n < cap ? n : cap;
}
