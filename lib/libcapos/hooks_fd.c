/*
 * newlib OS hooks for file descriptors. A capOS process has no file table in the
 * kernel (no ambient "open by path"); libcapos keeps the three standard streams:
 *   0  standard input   \  with a "stdio" StdIO cap in the CapSet (a program a shell
 *   1  standard output   > runs): StdIO.readLine / StdIO.write (libcapos/stdio_cap.h)
 *   2  standard error   /   without one: fd 0 read fails with ENOSYS, fds 1 and 2 go
 *                           to the Console cap (libcapos/console.h)
 * The choice is made at the first read or write and holds for the process's life; a
 * "stdio" cap of another interface makes every read and write fail (EIO) rather than
 * silently writing elsewhere. Each stream is a character device and a terminal (so
 * newlib line-buffers stdout), can be closed once, and never seeks. Every other
 * descriptor is EBADF. Single-threaded: the open mask is not locked (threads arrive in
 * a later issue).
 */
#include "hooks.h"

#include <capos/error.h>
#include <libcapos/console.h>
#include <libcapos/stdio_cap.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FD_STD_COUNT 3

static unsigned int fd_open_mask = (1u << FD_STD_COUNT) - 1; /* bit n: fd n open */

static int fd_is_open(int fd)
{
	return fd >= 0 && fd < FD_STD_COUNT && (fd_open_mask & (1u << fd));
}

/* A hook's result: n >= 0 as it is, a negative status as -1 + errno. */
static _READ_WRITE_RETURN_TYPE fd_result(int64_t n)
{
	if (n < 0)
		return capos_hook_fail(capos_hook_errno(n));
	return (_READ_WRITE_RETURN_TYPE)n;
}

_READ_WRITE_RETURN_TYPE read(int fd, void *buf, size_t len)
{
	uint32_t cap = 0;
	int err;

	if (!fd_is_open(fd) || fd != STDIN_FILENO)
		return capos_hook_fail(EBADF);
	err = capos_stdio_find(&cap);
	if (err == CAPOS_ERR_NOT_FOUND)
		return capos_hook_fail(ENOSYS);
	if (len == 0 || err != CAPOS_OK)
		return fd_result(err);
	return fd_result(capos_stdio_read(cap, buf, len));
}

_READ_WRITE_RETURN_TYPE write(int fd, const void *buf, size_t len)
{
	uint32_t cap = 0;
	int err;

	if (!fd_is_open(fd) || fd == STDIN_FILENO)
		return capos_hook_fail(EBADF);
	if (len == 0)
		return 0;
	err = capos_stdio_find(&cap);
	if (err == CAPOS_ERR_NOT_FOUND)
		return fd_result(capos_console_write(buf, len));
	if (err != CAPOS_OK)
		return fd_result(err);
	return fd_result(capos_stdio_write(cap, buf, len));
}

int close(int fd)
{
	if (!fd_is_open(fd))
		return capos_hook_fail(EBADF);
	fd_open_mask &= ~(1u << fd);
	return 0;
}

int fstat(int fd, struct stat *st)
{
	if (!fd_is_open(fd))
		return capos_hook_fail(EBADF);
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR | (fd == STDIN_FILENO ? S_IRUSR : S_IWUSR);
	return 0;
}

int isatty(int fd)
{
	if (!fd_is_open(fd)) {
		errno = EBADF;
		return 0;
	}
	return 1;
}

_off_t lseek(int fd, _off_t off, int whence)
{
	(void)off;
	(void)whence;
	if (!fd_is_open(fd))
		return capos_hook_fail(EBADF);
	return capos_hook_fail(ESPIPE);
}

int fcntl(int fd, int cmd, ...)
{
	if (!fd_is_open(fd))
		return capos_hook_fail(EBADF);
	switch (cmd) {
	case F_GETFL:
		return fd == STDIN_FILENO ? O_RDONLY : O_WRONLY;
	case F_GETFD:
		return 0;
	default:
		return capos_hook_fail(ENOSYS);
	}
}
