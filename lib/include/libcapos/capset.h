/*
 * libcapos CapSet lookup: find a granted cap by its manifest name in the read-only
 * CapSet page (include/capos/capset.h, address in RDX at entry) and hand it out only
 * if its interface id is the one the caller expects. The page is kernel-written, but
 * it is still parsed defensively: a malformed page is an error, never an overread.
 */
#ifndef LIBCAPOS_CAPSET_H
#define LIBCAPOS_CAPSET_H

#include <capos/capset.h>
#include <stdint.h>

/*
 * Check the header: magic, version, entry size, count, reserved words zero.
 * Errors: CAPOS_ERR_INVALID.
 */
int capos_capset_validate(const struct capos_capset_page *page);

/*
 * Cap id of the entry called `name`, whose interface must be `interface_id`.
 * Errors: CAPOS_ERR_INVALID (page malformed, an entry name not NUL-terminated within
 * its field, or `name` empty or longer than CAPOS_CAPSET_NAME_MAX - 1),
 * CAPOS_ERR_NOT_FOUND (no such name), CAPOS_ERR_CAP_WRONG_INTERFACE (the name exists
 * with another interface: the caller's type does not fit it).
 */
int capos_capset_lookup(const struct capos_capset_page *page, const char *name,
			uint64_t interface_id, uint32_t *cap);

#endif
