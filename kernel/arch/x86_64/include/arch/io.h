/*
 * Port I/O and small privileged-instruction wrappers for x86_64: one named inline per
 * instruction so C code never carries inline asm of its own. Kernel-only.
 */
#ifndef ARCH_IO_H
#define ARCH_IO_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpu_pause(void)
{
	__asm__ volatile("pause");
}

static inline void cpu_hlt(void)
{
	__asm__ volatile("hlt");
}

static inline void cpu_cli(void)
{
	__asm__ volatile("cli" : : : "memory");
}

static inline void cpu_sti(void)
{
	__asm__ volatile("sti" : : : "memory");
}

#endif
