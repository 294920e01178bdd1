/*
 * Checked user-memory copies (kernel/uaccess.h): the pure range check, then the arch
 * copy, which survives faults on user pages through the exception table.
 */
#include <kernel/uaccess.h>

#include <capos/error.h>
#include <kernel/arch.h>

int copy_from_user(void *dst, struct uaddr src, size_t n)
{
	if (!uaccess_range_ok(src.v, n))
		return CAPOS_ERR_BAD_ADDRESS;
	return n ? arch_copy_from_user(dst, src.v, n) : CAPOS_OK;
}

int copy_to_user(struct uaddr dst, const void *src, size_t n)
{
	if (!uaccess_range_ok(dst.v, n))
		return CAPOS_ERR_BAD_ADDRESS;
	return n ? arch_copy_to_user(dst.v, src, n) : CAPOS_OK;
}
