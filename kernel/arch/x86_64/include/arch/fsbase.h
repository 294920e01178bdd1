/*
 * The FS base register, arch-private: RDFSBASE/WRFSBASE when CR4.FSGSBASE is on (set
 * by arch_proc_init when the CPU has it), else the FS_BASE MSR. Used by the context
 * switch (proc.c: the user's TLS base) and the foreign-code bracket (foreign.c: a
 * kernel canary block for Debian's stack-protected objects).
 */
#ifndef ARCH_FSBASE_H
#define ARCH_FSBASE_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/cpu.h>

#define MSR_FS_BASE 0xC0000100u

extern bool fsbase_insn; /* [I] CR4.FSGSBASE is on: RDFSBASE/WRFSBASE work */

static inline uint64_t fsbase_read(void)
{
	uint64_t v;

	if (__builtin_expect(!fsbase_insn, 0)) /* expected: on whenever the CPU has it */
		return rdmsr(MSR_FS_BASE);
	__asm__ volatile("rdfsbase %0" : "=r"(v));
	return v;
}

static inline void fsbase_write(uint64_t v)
{
	if (!fsbase_insn)
		wrmsr(MSR_FS_BASE, v);
	else
		__asm__ volatile("wrfsbase %0" : : "r"(v) : "memory");
}

#endif
