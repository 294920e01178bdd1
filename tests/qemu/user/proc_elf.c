/*
 * A real capOS user program for the kernel's `utest=elf` boot test (tests/qemu/
 * proc_tests.py): built with newlib and libcapos like any service, passed as the boot
 * module, loaded by the kernel's ELF loader. It checks what the loader and the kernel
 * must provide before main can trust its C environment: TLS initialised from PT_TLS
 * (crt0 builds it and sets FS with wrfsbase, which needs the kernel's CR4.FSGSBASE;
 * .tdata copied, .tbss zero, %fs:0 the TCB), a zeroed .bss, the heap, SSE
 * floating point and newlib's C99 formatting. Exit status: 42 when all hold, else the
 * number of the first failed check (1..7). It prints nothing: output needs the ring.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local int tls_counter = 5;   /* .tdata */
static _Thread_local uint64_t tls_zero[16]; /* .tbss */
static uint64_t bss_zero[512];		    /* .bss over more than a page */
volatile double scale = 1.5;		    /* .data */

static int check_tls(void)
{
	for (unsigned i = 0; i < 16; i++)
		if (tls_zero[i] != 0)
			return 0;
	return tls_counter == 5;
}

static int check_bss(void)
{
	for (unsigned i = 0; i < 512; i++)
		if (bss_zero[i] != 0)
			return 0;
	return 1;
}

static int check_heap(void)
{
	unsigned char *p = malloc(3000);

	if (p == NULL)
		return 0;
	memset(p, 0xa5, 3000);
	int ok = p[0] == 0xa5 && p[2999] == 0xa5;
	free(p);
	return ok;
}

int main(void)
{
	char buf[64];
	double x = 0;
	uint64_t tp;

	if (!check_tls())
		return 1;
	__asm__ volatile("movq %%fs:0, %0" : "=r"(tp));
	if (tp == 0 || (tp & 15) != 0)
		return 2; /* the TCB's self pointer */
	if (!check_bss())
		return 3;
	if (!check_heap())
		return 4;
	for (int i = 0; i < 1000; i++)
		x += scale;
	if (x != 1500.0)
		return 5;
	snprintf(buf, sizeof(buf), "%zu %lld %.2f %s", (size_t)7, -3LL, x / 600, "ok");
	if (strcmp(buf, "7 -3 2.50 ok") != 0)
		return 6;
	tls_counter += 10;
	if (tls_counter != 15)
		return 7;
	return tls_counter + 27;
}
