/*
 * Hostile twin for the stack protector: a function overruns its local buffer; the
 * guard planted by crt0 must catch it on return (newlib's __stack_chk_fail prints
 * "*** stack smashing detected ***: terminated" and aborts: status 134). Without a
 * guard the overrun would return into the overwritten frame instead.
 */
#include <stdio.h>
#include <string.h>

/* Opaque to the optimiser so the overflow can be neither proven nor removed. */
void *(*volatile smash_copy)(void *, const void *, size_t) = memcpy;
size_t (*volatile smash_len)(const char *) = strlen;

static __attribute__((noinline)) int smash(const char *src)
{
	char buf[16];

	smash_copy(buf, src, smash_len(src) + 1);
	return smash_len(buf);
}

int main(void)
{
	static const char big[] = "0123456789abcdef0123456789abcdef0123456789abcdef";

	fputs("smash: overflowing a 16-byte buffer\n", stderr);
	return smash(big);
}
