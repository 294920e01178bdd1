/*
 * A real capOS user program for the kernel's `utest=elf` boot test (tests/qemu/
 * proc_tests.py): built with newlib and libcapos like any service, passed as the boot
 * module, loaded by the kernel's ELF loader. It checks what the loader and the kernel
 * must provide before main can trust its C environment: TLS initialised from PT_TLS
 * (the loader builds thread 0's block and enters with FS at the TCB; .tdata copied,
 * .tbss zero, %fs:0 the TCB), a zeroed .bss, the heap, SSE floating point and
 * newlib's C99 formatting. Exit status: 42 when all hold, else the number of the
 * first failed check (1..7). It prints nothing: output needs the ring.
 * The heap comes from the "vm" cap (utest=elf grants only that). Without one
 * (utest=elf-novm grants nothing) malloc must fail with ENOMEM and the program carry
 * on: it then exits 43 (float formatting needs the heap, so it stops there).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capos/capset.h>
#include <capos/error.h>
#include <libcapos/capset.h>
#include <libcapos/runtime.h>

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

#define PROC_ELF_NO_VM_OK 43

static void *volatile heap_sink; /* keeps malloc/free from being paired away */

/* True when the CapSet names a "vm" cap (interface id 0 matches no cap, so a present
 * name answers CAP_WRONG_INTERFACE and only an absent one NOT_FOUND). */
static int has_vm_cap(void)
{
	uint32_t cap;
	int err = capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, "vm", 0,
				      &cap);

	return err != CAPOS_ERR_NOT_FOUND;
}

static int check_heap(void)
{
	unsigned char *p = (heap_sink = malloc(3000));

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
	if (!has_vm_cap()) {
		errno = 0;
		heap_sink = malloc(3000);
		return heap_sink == NULL && errno == ENOMEM ? PROC_ELF_NO_VM_OK : 4;
	}
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
