/*
 * Validation and binary search of a ksyms blob (kernel/ksyms.h). Pure: no globals, no
 * I/O; compiled unchanged into the kernel and into tests/host/kboot/ksyms_test.c.
 * The blob is untrusted input here (a corrupt image must give a typed error, not a
 * fault inside the fault handler).
 */
#include <kernel/ksyms.h>

#include <capos/error.h>

static int ksyms_check_entries(const struct ksyms_entry *e, uint32_t count, uint32_t strtab_size)
{
	for (uint32_t i = 0; i < count; i++) {
		if (e[i].name_off >= strtab_size)
			return CAPOS_ERR_KSYMS_BAD_NAME;
		if (i > 0 && e[i].addr <= e[i - 1].addr)
			return CAPOS_ERR_KSYMS_UNSORTED;
	}
	return CAPOS_OK;
}

int ksyms_open(const void *blob, size_t len, struct ksyms_table *out)
{
	if (blob == NULL || len < sizeof(struct ksyms_header))
		return CAPOS_ERR_KSYMS_TRUNCATED;
	if (((uintptr_t)blob & 7) != 0)
		return CAPOS_ERR_ALIGNMENT;
	const struct ksyms_header *h = blob;
	if (h->magic != KSYMS_MAGIC)
		return CAPOS_ERR_KSYMS_BAD_MAGIC;
	if (h->version != KSYMS_VERSION)
		return CAPOS_ERR_KSYMS_VERSION;
	/* 64-bit arithmetic: count and strtab_size are 32-bit, so no overflow. */
	uint64_t need =
		sizeof(*h) + (uint64_t)h->count * sizeof(struct ksyms_entry) + h->strtab_size;
	if (len < need)
		return CAPOS_ERR_KSYMS_TRUNCATED;
	if (len > need)
		return CAPOS_ERR_KSYMS_TRAILING;
	const struct ksyms_entry *entries = (const struct ksyms_entry *)(h + 1);
	const char *strtab = (const char *)(entries + h->count);
	if (h->count > 0 && (h->strtab_size == 0 || strtab[h->strtab_size - 1] != '\0'))
		return CAPOS_ERR_KSYMS_BAD_NAME;
	int r = ksyms_check_entries(entries, h->count, h->strtab_size);
	if (r != CAPOS_OK)
		return r;
	*out = (struct ksyms_table){ .entries = entries,
				     .count = h->count,
				     .strtab = strtab,
				     .strtab_size = h->strtab_size };
	return CAPOS_OK;
}

int ksyms_lookup(const struct ksyms_table *t, uint64_t addr, const char **name, uint64_t *offset)
{
	/* Invariant: entries[0..lo) start <= addr, entries[hi..count) start > addr. */
	uint32_t lo = 0, hi = t->count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (t->entries[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return CAPOS_ERR_NOT_FOUND;
	const struct ksyms_entry *e = &t->entries[lo - 1];
	uint64_t off = addr - e->addr;
	if (e->size != 0 && off >= e->size)
		return CAPOS_ERR_NOT_FOUND;
	*name = t->strtab + e->name_off;
	*offset = off;
	return CAPOS_OK;
}
