/*
 * Process start-up (called from crt0.S): record the entry registers, find thread 0's
 * TCB (built by the kernel's loader from PT_TLS; the FS base points at it on entry),
 * arm the stack-protector guard in both places code reads it, give stdout and stderr
 * their line buffers, run constructors, call main and exit.
 *
 * Relies on (docs/abi.md §3): the FS base at entry is thread 0's TCB, whose self
 * pointer is at %fs:0 (include/capos/tls.h). No FSGSBASE instruction is used, so
 * programs run on CPUs without it. capos_start itself is built without a stack
 * protector: it changes the guard.
 */
#include <libcapos/runtime.h>
#include <libcapos/sys.h>
#include <libcapos/tls.h>

#include <capos/error.h>
#include <stdio.h>
#include <stdlib.h>

typedef void (*start_fn)(void);
extern const start_fn __preinit_array_start[] __attribute__((visibility("hidden")));
extern const start_fn __preinit_array_end[] __attribute__((visibility("hidden")));
extern const start_fn __init_array_start[] __attribute__((visibility("hidden")));
extern const start_fn __init_array_end[] __attribute__((visibility("hidden")));
extern const start_fn __fini_array_start[] __attribute__((visibility("hidden")));
extern const start_fn __fini_array_end[] __attribute__((visibility("hidden")));

/* newlib's libc/ssp owns the guard word; its constructor keeps a non-zero value. */
extern uintptr_t __stack_chk_guard;

int main(int argc, char **argv, char **envp);

struct capos_boot capos_boot;
__thread uintptr_t capos_thread_ring;

static char *start_argv[] = { NULL };
static char *start_envp[] = { NULL };

/*
 * stdout and stderr are line-buffered in static buffers, so a line reaches the Console
 * as one Console.write (atomic in the kernel) and never interleaves with another
 * process's output. Left to newlib, the buffer would come from malloc on first use; a
 * process without a "vm" cap has no heap, newlib then makes the stream unbuffered and
 * puts("x") (what printf("x\n") compiles to) writes "x" and "\n" separately: another
 * process preempting in between split the line (exec-waitfail on a busy host).
 */
static char start_stdout_buf[BUFSIZ];
static char start_stderr_buf[BUFSIZ];
/* stdin too (a StdIO line is then one read, not one per byte); line-buffered, so a
 * read first flushes a prompt written without "\n" (ANSI C, newlib's __srefill). */
static char start_stdin_buf[BUFSIZ];

static int start_console_buffers(void)
{
	if (setvbuf(stdout, start_stdout_buf, _IOLBF, sizeof(start_stdout_buf)) != 0 ||
	    setvbuf(stderr, start_stderr_buf, _IOLBF, sizeof(start_stderr_buf)) != 0 ||
	    setvbuf(stdin, start_stdin_buf, _IOLBF, sizeof(start_stdin_buf)) != 0)
		return CAPOS_ERR_INVALID;
	return CAPOS_OK;
}

static void start_run_fini(void)
{
	for (const start_fn *f = __fini_array_end; f != __fini_array_start;)
		(*--f)();
}

static void start_run_init(void)
{
	for (const start_fn *f = __preinit_array_start; f != __preinit_array_end; f++)
		(*f)();
	for (const start_fn *f = __init_array_start; f != __init_array_end; f++)
		(*f)();
}

__attribute__((no_stack_protector, used)) _Noreturn void capos_start(uintptr_t ring, uint64_t pid,
								     uintptr_t capset)
{
	struct capos_tcb *tcb;
	uint64_t guard = capos_random_guard();

	capos_boot.ring = ring;
	capos_boot.pid = pid;
	capos_boot.capset = capset;

	tcb = capos_tls_thread0();
	if (tcb == NULL)
		capos_sys_exit(CAPOS_EXIT_START_FAILED);
	tcb->stack_guard = guard;
	capos_boot.tcb = tcb;
	capos_thread_ring = ring;
	__stack_chk_guard = (uintptr_t)guard;

	/* Registered first, so fini_array runs after every atexit handler of the program. */
	if (atexit(start_run_fini) != 0 || start_console_buffers() != CAPOS_OK)
		capos_sys_exit(CAPOS_EXIT_START_FAILED);
	start_run_init();
	exit(main(0, start_argv, start_envp));
}
