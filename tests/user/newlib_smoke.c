/*
 * User program exercising newlib + libcapos: formatted output with C99 formats,
 * strtol/strtod, malloc over the sbrk heap (including exhaustion), libm, TLS/TCB
 * placement by crt0, the stack guard, constructors/atexit/destructors and the
 * errno contract of every OS hook that works without the ring.
 *
 * Built twice (tests/user/user.mk): against the real libcapos for capOS (checked
 * statically by user_tests.py), and with tests/user/linux_shim.c replacing the two
 * system calls and the console backend so that it runs on the Linux build host.
 * Prints one `ok N - what` / `not ok N - what` line per check; exits 0 only if all
 * passed. The atexit handler and the destructor print the last two lines, in order.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <capos/layout.h>
#include <libcapos/runtime.h>
#include <libcapos/tls.h>

static int smoke_n, smoke_failed, smoke_ctor_ran;

/* Allocation results pass through here: a pointer only compared with NULL lets the
 * compiler delete the malloc call and fold the comparison. */
static void *volatile smoke_sink;

static void smoke_check(int cond, const char *what)
{
	smoke_n++;
	if (!cond)
		smoke_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", smoke_n, what);
}

/* errno-returning hook: returned -1 and set exactly `err`. */
static void smoke_fails(long rc, int err, const char *what)
{
	int e = errno;

	smoke_check(rc == -1 && e == err, what);
	if (!(rc == -1 && e == err))
		printf("# rc=%ld errno=%d (want %d)\n", rc, e, err);
}

__attribute__((constructor)) static void smoke_ctor(void)
{
	smoke_ctor_ran = 1;
}

static void smoke_atexit(void)
{
	printf("atexit: ran\n");
}

__attribute__((destructor)) static void smoke_dtor(void)
{
	printf("fini: ran\n");
	fflush(stdout);
}

static __thread int tls_init = 42;
static __thread long tls_zero;
static __thread _Alignas(64) char tls_aligned[64] = "tls";

static void smoke_formats(void)
{
	char buf[128];
	size_t z = SIZE_MAX;
	int n;

	snprintf(buf, sizeof(buf), "%zu|%zd|%lld|%llx|%jd|%hhd|%td", z, (ssize_t)-5, LLONG_MIN,
		 0x1234567890abcdefULL, (intmax_t)-7, (signed char)200, (ptrdiff_t)-3);
	smoke_check(
		strcmp(buf,
		       "18446744073709551615|-5|-9223372036854775808|1234567890abcdef|-7|-56|-3") ==
			0,
		"snprintf C99 length modifiers (%zu %zd %lld %llx %jd %hhd %td)");
	n = snprintf(buf, 8, "%s-%d", "truncated", 12345);
	smoke_check(n == 15 && strcmp(buf, "truncat") == 0,
		    "snprintf truncates and returns the full length");
	snprintf(buf, sizeof(buf), "%.3f %g %e", 3.14159, 0.0001, 12345.678);
	smoke_check(strcmp(buf, "3.142 0.0001 1.234568e+04") == 0, "floating-point formats");
	snprintf(buf, sizeof(buf), "[%-6s|%6s|%06.2f|%+d|%#x]", "ab", "cd", 3.5, 7, 255);
	smoke_check(strcmp(buf, "[ab    |    cd|003.50|+7|0xff]") == 0,
		    "width, precision and flags");
}

static void smoke_strings(void)
{
	char *end;
	long v;
	volatile double two = 2.0;

	v = strtol("  -1234xyz", &end, 10);
	smoke_check(v == -1234 && strcmp(end, "xyz") == 0,
		    "strtol parses and stops at the first non-digit");
	errno = 0;
	v = strtol("99999999999999999999", &end, 10);
	smoke_check(v == LONG_MAX && errno == ERANGE, "strtol overflow gives LONG_MAX and ERANGE");
	smoke_check(strtoul("0x1f", NULL, 0) == 31, "strtoul base 0 honours 0x");
	smoke_check(strtod("2.5e3", NULL) == 2500.0, "strtod");
	smoke_check(fabs(sqrt(two) - 1.4142135623730951) < 1e-15 && pow(two, 10.0) == 1024.0,
		    "libm sqrt and pow");
}

static void smoke_heap(void)
{
	enum { N = 64 };
	unsigned char *p[N];
	int good = 1;
	void *big;
	char *r;

	for (int i = 0; i < N; i++) {
		p[i] = malloc((size_t)(i * 37 + 1));
		if (!p[i]) {
			good = 0;
			break;
		}
		memset(p[i], i, (size_t)(i * 37 + 1));
	}
	for (int i = 0; good && i < N; i++)
		for (int j = 0; j < i * 37 + 1; j++)
			good &= p[i][j] == (unsigned char)i;
	for (int i = 0; i < N; i++)
		free(p[i]);
	smoke_check(good, "malloc: 64 live blocks keep their contents");
	r = malloc(16);
	strcpy(r, "grow me");
	r = realloc(r, 100000);
	smoke_check(r && strcmp(r, "grow me") == 0, "realloc to 100 kB keeps the prefix");
	free(r);
	errno = 0;
	smoke_sink = malloc(4u << 20);
	big = smoke_sink;
	smoke_check(big == NULL && errno == ENOMEM,
		    "malloc beyond the (shim's) frame quota fails with ENOMEM");
	smoke_sink = malloc(32);
	r = smoke_sink;
	smoke_check(r != NULL, "malloc still works after an exhausted request");
	free(r);
	smoke_fails((long)(intptr_t)sbrk(-((intptr_t)1 << 40)), EINVAL,
		    "sbrk below the heap base: EINVAL");
	smoke_fails((long)(intptr_t)sbrk((intptr_t)1 << 45), ENOMEM,
		    "sbrk beyond the heap window: ENOMEM");
	smoke_check((uintptr_t)sbrk(0) >= CAPOS_USER_HEAP_BASE &&
			    (uintptr_t)sbrk(0) < CAPOS_USER_HEAP_END,
		    "the break lies in the heap window");
}

extern const unsigned char __ehdr_start[] __attribute__((visibility("hidden")));

static void smoke_tls(void)
{
	uintptr_t fs0, guard28, fsbase;
	struct capos_tcb *tcb = capos_boot.tcb;
	struct capos_tls_image img;

	__asm__ volatile("movq %%fs:0, %0" : "=r"(fs0));
	__asm__ volatile("movq %%fs:0x28, %0" : "=r"(guard28));
	__asm__ volatile("rdfsbase %0" : "=r"(fsbase));
	smoke_check(tls_init == 42 && tls_zero == 0 && strcmp(tls_aligned, "tls") == 0,
		    "TLS initialised from .tdata, .tbss zeroed");
	smoke_check(((uintptr_t)tls_aligned & 63) == 0, "TLS honours _Alignas(64)");
	smoke_check(tcb != NULL && fs0 == fsbase && fsbase == (uintptr_t)tcb &&
			    tcb->self == (uintptr_t)tcb,
		    "FS base is the TCB, %fs:0 its self pointer");
	capos_tls_find_image(__ehdr_start, &img);
	smoke_check((uintptr_t)&tls_init < fs0 && fs0 - (uintptr_t)&tls_init <= img.memsz + 64,
		    "TLS block sits just below the thread pointer (variant II)");
	smoke_check(capos_thread_ring == capos_boot.ring,
		    "libcapos's own TLS variable holds the ring");
	tls_init++;
	smoke_check(tls_init == 43, "TLS variables are writable");
	smoke_check(guard28 != 0 && (guard28 & 0xff) == 0,
		    "stack guard at %fs:0x28 is set, low byte zero");
	extern uintptr_t __stack_chk_guard;
	smoke_check(__stack_chk_guard == guard28,
		    "newlib's __stack_chk_guard equals the TCB canary");
}

static void smoke_hooks(void)
{
	struct stat st;
	char c = 0;
	struct timeval tv;
	struct timespec ts;

	smoke_check(smoke_ctor_ran, "constructors ran before main");
	smoke_check(isatty(1) == 1 && isatty(2) == 1, "stdout and stderr are terminals");
	errno = 0;
	smoke_check(isatty(9) == 0 && errno == EBADF, "isatty on an unknown fd: 0 and EBADF");
	smoke_check(fstat(1, &st) == 0 && S_ISCHR(st.st_mode), "fstat(1): character device");
	smoke_fails(fstat(7, &st), EBADF, "fstat on an unknown fd: EBADF");
	smoke_fails(lseek(1, 0, SEEK_SET), ESPIPE, "lseek on the console: ESPIPE");
	smoke_fails(read(1, &c, 1), EBADF, "read from stdout: EBADF");
	smoke_fails(write(0, &c, 1), EBADF, "write to stdin: EBADF");
	smoke_fails(write(-1, &c, 1), EBADF, "write to fd -1: EBADF");
	smoke_check(write(1, &c, 0) == 0, "zero-length write succeeds");
	smoke_fails(read(0, &c, 1), ENOSYS, "read(0): no input cap yet, ENOSYS");
	smoke_fails(open("/etc/passwd", O_RDONLY), ENOSYS, "open: no file namespace, ENOSYS");
	smoke_fails(stat("/", &st), ENOSYS, "stat: ENOSYS");
	smoke_fails(fork(), ENOSYS, "fork: ENOSYS");
	smoke_fails(wait(NULL), ECHILD, "wait: no children, ECHILD");
	smoke_fails(gettimeofday(&tv, NULL), ENOSYS, "gettimeofday without a timer cap: ENOSYS");
	smoke_fails(clock_gettime(CLOCK_MONOTONIC, &ts), ENOSYS,
		    "clock_gettime without a timer cap: ENOSYS");
	/* 2 is newlib's CLOCK_PROCESS_CPUTIME_ID (declared only with _POSIX_CPUTIME). */
	smoke_fails(clock_gettime((clockid_t)2, &ts), EINVAL,
		    "clock_gettime of a CPU-time clock: EINVAL");
	smoke_fails(clock_settime(CLOCK_REALTIME, &ts), EPERM, "clock_settime: EPERM");
	smoke_check(clock_getres(CLOCK_MONOTONIC, &ts) == 0 && ts.tv_sec == 0 && ts.tv_nsec == 1,
		    "clock_getres: 1 ns");
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000000;
	smoke_fails(nanosleep(&ts, NULL), EINVAL, "nanosleep with tv_nsec = 1e9: EINVAL");
	ts.tv_nsec = 1000;
	smoke_fails(nanosleep(&ts, NULL), ENOSYS, "nanosleep with no ring (shim): ENOSYS");
	smoke_fails(kill(getpid() + 12345, SIGTERM), EPERM, "kill another process: EPERM");
	smoke_fails(kill(getpid(), -1), EINVAL, "kill with a bad signal: EINVAL");
	smoke_check(kill(getpid(), 0) == 0 && kill(getpid(), SIGCHLD) == 0,
		    "kill(self, 0) and a default-ignored signal return 0");
	smoke_check(fcntl(1, F_GETFL) == O_WRONLY && fcntl(0, F_GETFL) == O_RDONLY,
		    "fcntl F_GETFL");
	smoke_check(close(0) == 0, "close(0)");
	smoke_fails(close(0), EBADF, "close(0) twice: EBADF");
	smoke_fails(read(0, &c, 1), EBADF, "read after close: EBADF");
}

int main(void)
{
	if (atexit(smoke_atexit) != 0)
		return 2;
	smoke_formats();
	smoke_strings();
	smoke_heap();
	smoke_tls();
	smoke_hooks();
	printf("# %d checks, %d failed\n", smoke_n, smoke_failed);
	return smoke_failed == 0 ? 0 : 1;
}
