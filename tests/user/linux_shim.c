/*
 * Test-only stand-in for the kernel so that capOS user programs run on the Linux
 * build host. Linked before libcapos.a, these definitions win and libcapos's
 * sys.o, console.o and tls_attach.o are not pulled in; everything else (crt0,
 * start-up, guard, hooks, sbrk, newlib) is the real code.
 *   capos_sys_exit       -> Linux exit_group(code)
 *   capos_sys_cap_enter  -> CAPOS_ERR_UNSUPPORTED (there is no ring on the host)
 *   capos_console_write  -> Linux write(1, ...) (stdout and stderr both to fd 1)
 *   capos_tls_attach     -> does the kernel's ABI v1 job first: builds the TLS block
 *                           and TCB from this program's PT_TLS with the reference
 *                           arithmetic (capos_tls_plan/install), points the FS base
 *                           at it (arch_prctl), then attaches like the real one. A
 *                           PT_TLS the planner refuses ends the program with 125,
 *                           where the real kernel refuses to load it.
 */
#include <libcapos/console.h>
#include <libcapos/sys.h>
#include <libcapos/tls.h>

#include <capos/error.h>

#define LINUX_SYS_WRITE 1
#define LINUX_SYS_ARCH_PRCTL 158
#define LINUX_SYS_EXIT_GROUP 231
#define LINUX_ARCH_SET_FS 0x1002

extern const unsigned char __ehdr_start[] __attribute__((visibility("hidden")));

static _Alignas(4096) unsigned char shim_tls_area[CAPOS_TLS_MAX_SIZE + 2 * CAPOS_TLS_MAX_ALIGN +
						  sizeof(struct capos_tcb)];

static long shim_syscall3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
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

__attribute__((no_stack_protector)) struct capos_tcb *capos_tls_attach(void)
{
	struct capos_tls_image img;
	struct capos_tls_plan plan;
	struct capos_tcb *tcb;

	capos_tls_find_image(__ehdr_start, &img);
	if (capos_tls_plan(&img, &plan) != CAPOS_OK ||
	    capos_tls_install(&img, &plan, shim_tls_area, sizeof(shim_tls_area), 0, &tcb) != CAPOS_OK)
		capos_sys_exit(CAPOS_EXIT_START_FAILED);
	if (shim_syscall3(LINUX_SYS_ARCH_PRCTL, LINUX_ARCH_SET_FS, (long)tcb, 0) != 0)
		capos_sys_exit(CAPOS_EXIT_START_FAILED);
	__asm__ volatile("movq %%fs:0, %0" : "=r"(tcb));
	return capos_tls_check(tcb);
}
