/*
 * Builder of a process's CapSet page (kernel/cap/capset.c; layout in
 * include/capos/capset.h, docs/abi.md §7). The kernel fills the page while it
 * populates the new process's cap table from the manifest (init) or a spawn request,
 * then maps it read-only. Names come from untrusted Cap'n Proto Text, so they arrive
 * as (bytes, length) and are validated here. Pure code: compiled unmodified for the
 * kernel and the host tests.
 *
 * Lock legend: the page is private to the process being built; no lock.
 */
#ifndef KERNEL_CAPSET_H
#define KERNEL_CAPSET_H

#include <stddef.h>
#include <stdint.h>

#include <capos/capset.h>

/* Clears `page` (the kernel view of the CapSet frame) and writes an empty header.
 * Errors: CAPOS_ERR_INVALID (null page). */
int capset_init(struct capos_capset_page *page);

/*
 * Appends (name[0..len), interface_id, cap). Errors, in order: CAPOS_ERR_INVALID
 * (null page, interface 0 or CAPOS_CAP_NULL), CAPOS_ERR_CAPSET_BAD_NAME (empty, longer
 * than CAPOS_CAPSET_NAME_MAX - 1, or a byte outside [a-z0-9._-]),
 * CAPOS_ERR_CAPSET_DUPLICATE, CAPOS_ERR_CAPSET_FULL. Nothing changes on error.
 */
int capset_add(struct capos_capset_page *page, const char *name, size_t len, uint64_t interface_id,
	       uint32_t cap);

#endif
