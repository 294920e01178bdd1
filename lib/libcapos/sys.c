/*
 * The two capOS system calls as `syscall` instructions (register convention in
 * include/capos/syscall.h: number in RAX, arguments in RDI/RSI, result in RAX; the
 * CPU clobbers RCX and R11; the kernel preserves everything else).
 */
#include <libcapos/sys.h>

#include <capos/syscall.h>

int64_t capos_sys_cap_enter(uint64_t min_complete, uint64_t timeout_ns)
{
	int64_t ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((uint64_t)CAPOS_SYS_CAP_ENTER), "D"(min_complete), "S"(timeout_ns)
			 : "rcx", "r11", "memory");
	return ret;
}

_Noreturn void capos_sys_exit(int64_t code)
{
	/* ud2: should the kernel ever return, fault instead of running on. */
	__asm__ volatile("syscall; ud2"
			 :
			 : "a"((uint64_t)CAPOS_SYS_EXIT), "D"(code)
			 : "rcx", "r11", "memory");
	__builtin_unreachable();
}
