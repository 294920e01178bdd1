/*
 * CapSet page builder (contract in kernel/include/kernel/capset.h). Entries are
 * appended in grant order; names are checked byte by byte against the ABI alphabet and
 * compared against every earlier entry, so the runtime can rely on unique,
 * NUL-terminated, NUL-padded names.
 */
#include <kernel/capset.h>

#include <stdbool.h>

#include <capos/capid.h>
#include <capos/error.h>
#include <capos/ring.h>

int capset_init(struct capos_capset_page *page)
{
	if (!page)
		return CAPOS_ERR_INVALID;
	uint64_t *w = (uint64_t *)(void *)page;
	for (size_t i = 0; i < sizeof(*page) / sizeof(*w); i++)
		w[i] = 0; /* a word loop: the kernel has no memset */
	page->hdr.magic = CAPOS_CAPSET_MAGIC;
	page->hdr.version = CAPOS_ABI_VERSION;
	page->hdr.entry_size = CAPOS_CAPSET_ENTRY_SIZE;
	return CAPOS_OK;
}

static bool capset_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static bool capset_name_ok(const char *name, size_t len)
{
	if (!name || len == 0 || len >= CAPOS_CAPSET_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!capset_name_char(name[i]))
			return false;
	}
	return true;
}

/* True when entry `e` holds exactly name[0..len) (the rest of e->name is NUL). */
static bool capset_same_name(const struct capos_capset_entry *e, const char *name, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (e->name[i] != name[i])
			return false;
	}
	return e->name[len] == '\0';
}

int capset_add(struct capos_capset_page *page, const char *name, size_t len, uint64_t interface_id,
	       uint32_t cap)
{
	if (!page || interface_id == 0 || cap == CAPOS_CAP_NULL)
		return CAPOS_ERR_INVALID;
	if (!capset_name_ok(name, len))
		return CAPOS_ERR_CAPSET_BAD_NAME;
	uint16_t count = page->hdr.count;
	if (count > CAPOS_CAPSET_MAX_ENTRIES)
		return CAPOS_ERR_INVALID; /* not a page capset_init made */
	for (uint16_t i = 0; i < count; i++) {
		if (capset_same_name(&page->entries[i], name, len))
			return CAPOS_ERR_CAPSET_DUPLICATE;
	}
	if (count == CAPOS_CAPSET_MAX_ENTRIES)
		return CAPOS_ERR_CAPSET_FULL;
	struct capos_capset_entry *e = &page->entries[count];
	for (size_t i = 0; i < CAPOS_CAPSET_NAME_MAX; i++)
		e->name[i] = i < len ? name[i] : '\0';
	e->interface_id = interface_id;
	e->cap = cap;
	e->rsvd = 0;
	page->hdr.count = (uint16_t)(count + 1);
	return CAPOS_OK;
}
