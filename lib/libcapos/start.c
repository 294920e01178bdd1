/*
 * Process start-up (called from crt0.S): record the entry registers, build the
 * initial thread's TLS block and TCB on the initial stack, point the FS base at the
 * TCB, arm the stack-protector guard in both places code reads it, run constructors,
 * call main and exit.
 *
 * Relies on (docs/abi.md §3): the ELF and program headers being loaded (user.ld puts
 * them in the first PT_LOAD, so __ehdr_start is valid), FS base 0 at entry, and the
 * kernel enabling CR4.FSGSBASE so that `wrfsbase` works in ring 3.
 * capos_start itself is built without a stack protector: it changes the guard.
 */
#include <libcapos/runtime.h>
#include <libcapos/sys.h>
#include <libcapos/tls.h>

#include <capos/error.h>
#include <stdlib.h>

typedef void (*start_fn)(void);
extern const unsigned char __ehdr_start[] __attribute__((visibility("hidden")));
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

static inline void start_set_fs_base(const struct capos_tcb *tcb)
{
	__asm__ volatile("wrfsbase %0" : : "r"((uint64_t)(uintptr_t)tcb) : "memory");
}

__attribute__((no_stack_protector, used)) _Noreturn void capos_start(uintptr_t ring, uint64_t pid,
								     uintptr_t capset)
{
	struct capos_tls_image img;
	struct capos_tls_plan plan;
	struct capos_tcb *tcb;
	uint64_t guard = capos_random_guard();
	void *area;

	capos_boot.ring = ring;
	capos_boot.pid = pid;
	capos_boot.capset = capset;

	capos_tls_find_image(__ehdr_start, &img);
	if (capos_tls_plan(&img, &plan) != CAPOS_OK)
		capos_sys_exit(CAPOS_EXIT_START_FAILED);
	/* The block lives in this frame, which stays live until exit(). */
	area = __builtin_alloca(plan.area_size);
	if (capos_tls_install(&img, &plan, area, plan.area_size, guard, &tcb) != CAPOS_OK)
		capos_sys_exit(CAPOS_EXIT_START_FAILED);
	start_set_fs_base(tcb);
	capos_boot.tcb = tcb;
	capos_thread_ring = ring;
	__stack_chk_guard = (uintptr_t)guard;

	/* Registered first, so fini_array runs after every atexit handler of the program. */
	if (atexit(start_run_fini) != 0)
		capos_sys_exit(CAPOS_EXIT_START_FAILED);
	start_run_init();
	exit(main(0, start_argv, start_envp));
}
