/*
 * Test-only replacement of libcapos's kernel-facing pieces so that capOS user
 * programs run on the Linux build host: the two capOS system calls and the console
 * backend. Linked before libcapos.a, these definitions win and libcapos's sys.o and
 * console.o are not pulled in; everything else (crt0, start-up with its TLS/TCB and
 * `wrfsbase`, guard, hooks, sbrk, newlib) is the real code. Linux enables FSGSBASE
 * for user space on CPUs that have it, as the capOS kernel does (docs/abi.md §3).
 *   capos_sys_exit       -> Linux exit_group(code)
 *   capos_sys_cap_enter  -> CAPOS_ERR_UNSUPPORTED (there is no ring on the host)
 *   capos_console_write  -> Linux write(1, ...) (stdout and stderr both to fd 1)
 */
#include <libcapos/console.h>
#include <libcapos/sys.h>

#include <capos/error.h>

#define LINUX_SYS_WRITE 1
#define LINUX_SYS_EXIT_GROUP 231

static long shim_syscall3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

int64_t capos_sys_cap_enter(uint64_t min_complete, uint64_t timeout_ns)
{
	(void)min_complete;
	(void)timeout_ns;
	return CAPOS_ERR_UNSUPPORTED;
}

_Noreturn void capos_sys_exit(int64_t code)
{
	for (;;)
		shim_syscall3(LINUX_SYS_EXIT_GROUP, (long)code, 0, 0);
}

int64_t capos_console_write(const void *buf, size_t len)
{
	long n = shim_syscall3(LINUX_SYS_WRITE, 1, (long)buf, (long)len);

	return n < 0 ? CAPOS_ERR_BAD_ADDRESS : n;
}
