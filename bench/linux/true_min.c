/*
 * true_min: the smallest static Linux program, spawned by bench_linux's `spawn`
 * workload (the Linux counterpart of spawning a trivial capOS process). No libc: the
 * entry point calls exit_group(0) directly, so the figure is the kernel's process
 * creation, exec and teardown path plus glibc's posix_spawn in the parent.
 */
_Noreturn void _start(void);

_Noreturn void _start(void)
{
	__asm__ volatile("syscall" : : "a"(231), "D"(0) : "rcx", "r11", "memory");
	__builtin_unreachable();
}
