/*
 * libFuzzer target for kmem's parsers of loader-supplied data: the input is used
 * (1) as a Multiboot2 information structure, (2) as the physical memory a
 * Multiboot1 structure at address 0 points into, (3) as a kernel command line.
 * Every parse must return a defined status; a successful parse must yield a
 * boot_info whose invariants hold (bounded counts, NUL-terminated strings, exactly
 * one module with start <= end). ASan/UBSan catch any out-of-bounds read.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <capos/error.h>
#include <kernel/bootinfo.h>
#include <kernel/cmdline.h>

struct phys {
	const uint8_t *data;
	size_t size;
};

static const void *phys_read(void *ctx, uint64_t addr, size_t len)
{
	const struct phys *p = ctx;

	if (addr >= p->size || len > p->size - addr)
		return NULL;
	return p->data + addr;
}

static void check_info(const struct boot_info *bi)
{
	if (bi->mmap_count > BOOT_MMAP_MAX || bi->range_count > BOOT_RANGES_MAX ||
	    bi->module_count != 1 || bi->module.start > bi->module.end ||
	    bi->rsdp_len > BOOT_RSDP_MAX || !memchr(bi->cmdline, 0, sizeof(bi->cmdline)) ||
	    !memchr(bi->module.cmdline, 0, sizeof(bi->module.cmdline)))
		abort();
	(void)boot_info_check_module(bi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	struct phys p = { data, size };
	uint64_t *aligned = malloc(size + 8);
	char *line = malloc(size + 1);
	struct cmdline_value v;
	uint64_t n;

	memcpy(aligned, data, size);
	if (mb2_parse(aligned, size, 0, &bi) == CAPOS_OK)
		check_info(&bi);
	if (mb1_parse(phys_read, &p, 0, &bi) == CAPOS_OK)
		check_info(&bi);
	memcpy(line, data, size);
	line[size] = 0;
	(void)cmdline_find(line, "selftest", &v);
	(void)cmdline_get_u64(line, "n", &n);
	free(aligned);
	free(line);
	return 0;
}
