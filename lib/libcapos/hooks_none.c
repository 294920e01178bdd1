/*
 * newlib OS hooks with no capOS backing yet; each fails with ENOSYS.
 *   open stat link unlink mkdir  no file namespace: a POSIX layer over a directory
 *                                cap (later issue) implements them
 *   getentropy                   waits for an entropy cap
 */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int open(const char *path, int flags, ...)
{
	(void)path;
	(void)flags;
	return capos_hook_fail(ENOSYS);
}

int stat(const char *path, struct stat *st)
{
	(void)path;
	(void)st;
	return capos_hook_fail(ENOSYS);
}

int link(const char *old, const char *new)
{
	(void)old;
	(void)new;
	return capos_hook_fail(ENOSYS);
}

int unlink(const char *path)
{
	(void)path;
	return capos_hook_fail(ENOSYS);
}

int mkdir(const char *path, mode_t mode)
{
	(void)path;
	(void)mode;
	return capos_hook_fail(ENOSYS);
}

int getentropy(void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return capos_hook_fail(ENOSYS);
}
