/*
 * Console backend for stdout/stderr (contract in libcapos/console.h).
 *
 * PENDING THE RING: the body becomes "look up `console` in the CapSet (interface id
 * check), encode Console.write(bytes) params, submit a CALL SQE, cap_enter until the
 * CQE with our user_data arrives, return its byte count or its status". Until the
 * kernel provides the ring and the Console object this reports
 * CAPOS_ERR_UNSUPPORTED, so write() fails with ENOSYS instead of dropping output.
 * Kept alone in its object so host tests substitute a Linux-backed version.
 */
#include <libcapos/console.h>

#include <capos/error.h>

int64_t capos_console_write(const void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return CAPOS_ERR_UNSUPPORTED;
}
