/*
 * string.h for BearSSL's public headers in the freestanding kernel (bearssl_hash.h
 * includes it without using it): the four memory functions the kernel itself
 * provides (kernel/arch/x86_64/string.c). Only kernel/rng/krng.c sees this directory.
 */
#ifndef KRNG_COMPAT_STRING_H
#define KRNG_COMPAT_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
