/*
 * boot_tsc: prints the guest's time-stamp counter as one line, `boot-tsc N`, on
 * stdout. The Linux boot benchmark's /init (bench/linux/boot_init.sh) runs it just
 * before it execs the busybox shell, as the in-guest cross-check of the host-side
 * instruction count (docs/benchmarks.md, "Boot to the shell prompt"). Under
 * `-icount shift=0,sleep=off` one tick is one guest instruction plus every
 * nanosecond the virtual clock skipped while the CPU was idle. No libc: _start
 * formats the number itself and makes two raw system calls (write, exit_group), so
 * the program costs a few hundred instructions beyond its exec.
 */
#include <stdint.h>

_Noreturn void _start(void);

static uint64_t boot_tsc_read(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Writes "boot-tsc <v>\n" into buf (at least 32 bytes); returns its length. */
static long boot_tsc_format(char *buf, uint64_t v)
{
	static const char prefix[] = "boot-tsc ";
	char digits[20];
	long n = 0, len = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (const char *p = prefix; *p != '\0'; p++)
		buf[len++] = *p;
	while (n > 0)
		buf[len++] = digits[--n];
	buf[len++] = '\n';
	return len;
}

_Noreturn void _start(void)
{
	char buf[32];
	long len = boot_tsc_format(buf, boot_tsc_read());
	long rc;

	__asm__ volatile("syscall"
			 : "=a"(rc)
			 : "a"(1), "D"(1), "S"(buf), "d"(len)
			 : "rcx", "r11", "memory");
	__asm__ volatile("syscall" : : "a"(231), "D"(rc == len ? 0 : 1) : "rcx", "r11", "memory");
	__builtin_unreachable();
}
