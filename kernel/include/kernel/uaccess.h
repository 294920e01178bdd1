/*
 * User memory access. A user address is a `struct uaddr`, a distinct type that cannot
 * be dereferenced or mixed up with a kernel pointer; the only ways to touch the memory
 * behind it are copy_from_user() and copy_to_user(). They check that the whole range
 * lies in the user half (no wrap, no straddling its end) and then copy with SMAP
 * opened (arch_user_access_begin/end); a fault on an unmapped or read-only user page
 * is caught by the arch exception table and becomes CAPOS_ERR_BAD_ADDRESS instead of
 * a kernel fault.
 */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <capos/layout.h>

/* A user-space address. Build with UADDR(v); read with .v only to pass it on. */
struct uaddr {
	uint64_t v;
};

#define UADDR(x) ((struct uaddr){ (uint64_t)(x) })

/*
 * True if [addr, addr + len) lies inside the ABI's user window [CAPOS_USER_BASE,
 * CAPOS_USER_END) without wrapping; a zero-length range is judged by its start
 * (capos_user_range_ok, include/capos/layout.h). The window excludes the null guard
 * below 4 MiB and the last page below 2^47, so a SYSCALL at the very top can never
 * make SYSRET return to a non-canonical RIP. Host-tested
 * (tests/host/kproc/uaccess_test.c).
 */
static inline bool uaccess_range_ok(uint64_t addr, uint64_t len)
{
	return capos_user_range_ok(addr, len);
}

/*
 * Copies n bytes from user memory at src into the kernel buffer dst / from the kernel
 * buffer src to user memory at dst. On error the destination may be partly written.
 * Errors: CAPOS_ERR_BAD_ADDRESS (range outside the user half, wrapping, or a page in
 * it unmapped / not writable for copy_to_user). Kernel only.
 */
int copy_from_user(void *dst, struct uaddr src, size_t n);
int copy_to_user(struct uaddr dst, const void *src, size_t n);

#endif
