/*
 * The four memory functions a freestanding C compiler may call on its own (for
 * struct copies, large initialisers and __builtin_mem*), which the kernel otherwise
 * lacks: lib/capnp, linked into the kernel for CALL params and results, needs them.
 * x86_64 string instructions (`rep movsb` / `rep stosb` are fast on every CPU with
 * ERMSB and correct on all); the direction flag is clear on kernel entry (SysV ABI
 * and the trap/syscall stubs), and the backward copy restores it. Owned by abi; host-
 * tested by tests/host/kernel/string_test.c under other names.
 */
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Quadwords, then the n % 8 tail bytes: a 16-byte IPC header is 2 string iterations,
 * not 16 (a `rep` instruction retires once per element, and costs per element). */
void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t q = n >> 3, b = n & 7;

	__asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(q) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(b) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	if ((uintptr_t)dst - (uintptr_t)src >= n) /* no overlap with dst after src */
		return memcpy(dst, src, n);
	if (n == 0)
		return dst;
	void *d = (uint8_t *)dst + n - 1;
	const void *s = (const uint8_t *)src + n - 1;
	__asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	}
	return 0;
}
