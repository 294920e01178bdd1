/*
 * Test services of init's executor (user/init/exec.c), started from the focused
 * manifests system/tests/exec_*.capnp by tests/qemu/exec_tests.py. Each behaviour is
 * its own tiny binary (no arguments exist): graphsrv serves one call on its exported
 * endpoint, graphcli calls the endpoint it imports, graphfail exits 3, graphspin spins
 * until init kills it, graphfault dies of a page fault. This header holds what they
 * share.
 */
#ifndef GRAPHSVC_H
#define GRAPHSVC_H

#include <stdint.h>

#include <libcapos/capset.h>
#include <libcapos/runtime.h>

#define GRAPHSVC_EXIT_NO_CAP 2 /* the CapSet lacks the cap the binary needs */
#define GRAPHSVC_EXIT_IPC 4    /* a ring operation failed */

/* Looks up `name` with `iface` in this process's CapSet; 0 or the lookup's error. */
static inline int graphsvc_lookup(const char *name, uint64_t iface, uint32_t *cap)
{
	return capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name, iface,
				   cap);
}

#endif
