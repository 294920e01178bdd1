/*
 * The kernel's own symbol table: the .ksyms section between the linker-script symbols
 * __ksyms_start and __ksyms_end (kernel.ld), validated once on first use. Used by
 * backtraces, possibly from a fault handler, so it allocates nothing and never panics.
 */
#include <kernel/ksyms.h>

#include <capos/error.h>
#include <stdbool.h>

extern const char __ksyms_start[], __ksyms_end[];

static struct ksyms_table kernel_table;
static int kernel_table_status;
static bool kernel_table_checked;

int ksyms_kernel_table(const struct ksyms_table **out)
{
	if (!kernel_table_checked) {
		kernel_table_status = ksyms_open(
			__ksyms_start, (size_t)(__ksyms_end - __ksyms_start), &kernel_table);
		kernel_table_checked = true;
	}
	if (kernel_table_status == CAPOS_OK)
		*out = &kernel_table;
	return kernel_table_status;
}

int ksyms_resolve(uint64_t addr, const char **name, uint64_t *offset)
{
	const struct ksyms_table *t;
	int r = ksyms_kernel_table(&t);
	if (r != CAPOS_OK)
		return r;
	return ksyms_lookup(t, addr, name, offset);
}
