/*
 * x86_64 control registers, MSRs, CPUID and descriptor-table instructions: one small
 * named inline per privileged instruction. Kernel-only (arch code).
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdint.h>

#define CR0_WP (1ull << 16)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_UMIP (1ull << 11)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

#define MSR_EFER 0xC0000080u
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_NXE (1ull << 11)

#define RFLAGS_IF (1ull << 9)
#define RFLAGS_AC (1ull << 18)

#define DEFINE_CR_ACCESSORS(n)                                                                     \
	static inline uint64_t read_cr##n(void)                                                    \
	{                                                                                          \
		uint64_t v;                                                                        \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                  \
		return v;                                                                          \
	}                                                                                          \
	static inline void write_cr##n(uint64_t v)                                                 \
	{                                                                                          \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");                         \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t read_rflags(void)
{
	uint64_t v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

/* The current stack pointer (the NMI report proves which stack a handler runs on). */
static inline uint64_t read_rsp(void)
{
	uint64_t v;
	__asm__ volatile("movq %%rsp, %0" : "=r"(v));
	return v;
}

static inline void stac(void)
{
	__asm__ volatile("stac" : : : "memory");
}

static inline void clac(void)
{
	__asm__ volatile("clac" : : : "memory");
}

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

static inline void lgdt(const struct desc_ptr *p)
{
	__asm__ volatile("lgdt %0" : : "m"(*p));
}

static inline void lidt(const struct desc_ptr *p)
{
	__asm__ volatile("lidt %0" : : "m"(*p));
}

static inline void ltr(uint16_t sel)
{
	__asm__ volatile("ltr %0" : : "r"(sel));
}

#endif
