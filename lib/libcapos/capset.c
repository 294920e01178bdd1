/*
 * CapSet page parsing (contract in libcapos/capset.h). Names are compared with
 * bounded lengths only; nothing past an entry's 48-byte field is ever read.
 */
#include <libcapos/capset.h>

#include <capos/error.h>
#include <string.h>

int capos_capset_validate(const struct capos_capset_page *page)
{
	const struct capos_capset_header *h = &page->hdr;

	if (h->magic != CAPOS_CAPSET_MAGIC || h->version != CAPOS_ABI_VERSION ||
	    h->entry_size != CAPOS_CAPSET_ENTRY_SIZE || h->count > CAPOS_CAPSET_MAX_ENTRIES ||
	    h->rsvd0 != 0 || h->rsvd1 != 0)
		return CAPOS_ERR_INVALID;
	for (size_t i = 0; i < sizeof(h->rsvd2) / sizeof(h->rsvd2[0]); i++)
		if (h->rsvd2[i] != 0)
			return CAPOS_ERR_INVALID;
	return CAPOS_OK;
}

int capos_capset_lookup(const struct capos_capset_page *page, const char *name,
			uint64_t interface_id, uint32_t *cap)
{
	size_t len = strnlen(name, CAPOS_CAPSET_NAME_MAX);
	int rc = capos_capset_validate(page);

	if (rc != CAPOS_OK)
		return rc;
	if (len == 0 || len >= CAPOS_CAPSET_NAME_MAX)
		return CAPOS_ERR_INVALID;
	for (uint16_t i = 0; i < page->hdr.count; i++) {
		const struct capos_capset_entry *e = &page->entries[i];

		if (memchr(e->name, '\0', sizeof(e->name)) == NULL)
			return CAPOS_ERR_INVALID;
		if (memcmp(e->name, name, len + 1) != 0)
			continue;
		if (e->interface_id != interface_id)
			return CAPOS_ERR_CAP_WRONG_INTERFACE;
		*cap = e->cap;
		return CAPOS_OK;
	}
	return CAPOS_ERR_NOT_FOUND;
}
