/*
 * libcapos threads (contract in libcapos/thread.h; kernel side in docs/kernel-proc.md
 * "Threads"). One block per thread, lowest address first:
 *
 *   [ guard page (VirtualMemory only) ][ stack ... stack top ][ TLS block + TCB ][ record ]
 *
 * The TLS block is a fresh copy of the program's PT_TLS image (found through the
 * program's own ELF header, which user.ld loads) laid out with capos_tls_plan /
 * capos_tls_install, so `__thread` variables start at their initial values on every
 * thread; its canary word is thread 0's. The thread enters capos_thread_entry
 * (thread_entry.S) with its record as the argument.
 */
#include <libcapos/thread.h>

#include <malloc.h>
#include <reent.h>
#include <stdlib.h>
#include <string.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/sys.h>
#include <libcapos/tls.h>
#include <schema/capos.capnp.h>

struct capos_thread {
	capos_thread_fn fn;
	void *arg;
	uint32_t handle; /* ThreadHandle cap */
	uint64_t tid;
	uint64_t block; /* the block's base and size (VirtualMemory or malloc) */
	uint64_t block_size;
	int from_vm;	     /* the block is VirtualMemory's (unmap), else malloc's (free) */
	struct _reent reent; /* newlib's state of this thread (lib/libcapos/reent.c) */
};

/* The largest stack capos_thread_create accepts. */
#define THREAD_STACK_MAX (1ull << 30)

extern const char __ehdr_start[] __attribute__((visibility("hidden")));
void capos_thread_entry(void); /* thread_entry.S */

static uint32_t thread_spawner_cap, thread_control_cap, thread_vm_cap; /* 0: not looked up */

static uint64_t thread_page_up(uint64_t v)
{
	return (v + CAPOS_PAGE_SIZE - 1) & ~(CAPOS_PAGE_SIZE - 1);
}

/* Where the pieces of a block go: offsets from its (page-aligned) base. */
struct thread_layout {
	uint64_t stack_top; /* end of the stack; the TLS area starts here */
	uint64_t record;    /* struct capos_thread */
	uint64_t size;	    /* the whole block, whole pages */
};

static void thread_layout(uint64_t stack, const struct capos_tls_plan *plan,
			  struct thread_layout *l)
{
	l->stack_top = CAPOS_PAGE_SIZE + stack;
	l->record = (l->stack_top + plan->area_size + 15) & ~15ull;
	l->size = thread_page_up(l->record + sizeof(struct capos_thread));
}

/* The block from VirtualMemory: reserved, its first page a guard, the rest committed. */
static int thread_block_vm(uint64_t size, uint64_t *base)
{
	int err = capos_vm_reserve(thread_vm_cap, 0, size, base);

	if (err)
		return err;
	err = capos_vm_guard(thread_vm_cap, *base, CAPOS_PAGE_SIZE);
	if (err == CAPOS_OK)
		err = capos_vm_commit(thread_vm_cap, *base + CAPOS_PAGE_SIZE,
				      size - CAPOS_PAGE_SIZE, CAPOS_VM_READ | CAPOS_VM_WRITE);
	if (err)
		(void)capos_vm_unmap(thread_vm_cap, *base, size);
	return err;
}

/* The block: VirtualMemory when the process has it, else malloc (page-aligned, no
 * guard page: the first page is simply not used). *from_vm says which. */
static int thread_block_get(uint64_t size, uint64_t *base, int *from_vm)
{
	*from_vm = capos_kcap_find("vm", capos_VirtualMemory_TYPE_ID, &thread_vm_cap) == CAPOS_OK;
	if (*from_vm)
		return thread_block_vm(size, base);
	void *m = memalign(CAPOS_PAGE_SIZE, size);
	if (m == NULL)
		return CAPOS_ERR_NO_MEMORY;
	*base = (uint64_t)(uintptr_t)m;
	return CAPOS_OK;
}

static void thread_block_put(uint64_t base, uint64_t size, int from_vm)
{
	if (from_vm)
		(void)capos_vm_unmap(thread_vm_cap, base, size);
	else
		free((void *)(uintptr_t)base);
}

/* Called by capos_thread_entry on the new thread: its ring first (every ring helper
 * on this thread reads capos_thread_ring), then fn. */
_Noreturn void capos_thread_start(struct capos_thread *t, uintptr_t ring, uint64_t tid)
{
	(void)tid;
	capos_thread_ring = ring;
	capos_reent_bind(&t->reent);
	int64_t code = t->fn(t->arg);
	capos_reent_release(&t->reent);
	capos_thread_exit(code);
}

/* Fills the block: TLS block + TCB after the stack, the record after them. */
static int thread_fill(uint64_t base, const struct thread_layout *l,
		       const struct capos_tls_image *img, const struct capos_tls_plan *plan,
		       struct capos_thread **t, struct capos_tcb **tcb)
{
	uint64_t guard = capos_boot.tcb ? capos_boot.tcb->stack_guard : 0;
	int err = capos_tls_install(img, plan, (void *)(uintptr_t)(base + l->stack_top),
				    plan->area_size, guard, tcb);

	*t = (struct capos_thread *)(uintptr_t)(base + l->record);
	return err;
}

int capos_thread_create(capos_thread_fn fn, void *arg, size_t stack_size, struct capos_thread **out)
{
	struct capos_tls_image img;
	struct capos_tls_plan plan;
	struct thread_layout l;
	struct capos_thread *t;
	struct capos_tcb *tcb;
	struct capos_thread_spawned sp;
	uint64_t base;
	int from_vm, type;
	int err = capos_kcap_find("threads", capos_ThreadSpawner_TYPE_ID, &thread_spawner_cap);

	if (err)
		return err;
	if (stack_size > THREAD_STACK_MAX)
		return CAPOS_ERR_INVALID;
	stack_size = stack_size ? stack_size : CAPOS_THREAD_STACK_DEFAULT;
	capos_tls_find_image(__ehdr_start, &img);
	err = capos_tls_plan(&img, &plan);
	if (err)
		return err;
	thread_layout(thread_page_up(stack_size < CAPOS_THREAD_STACK_MIN ? CAPOS_THREAD_STACK_MIN
									 : stack_size),
		      &plan, &l);
	err = thread_block_get(l.size, &base, &from_vm);
	if (err)
		return err;
	err = thread_fill(base, &l, &img, &plan, &t, &tcb);
	if (err)
		goto out_block;
	t->fn = fn;
	t->arg = arg;
	t->block = base;
	t->block_size = l.size;
	t->from_vm = from_vm;
	capos_reent_init(&t->reent);
	const struct capos_thread_spawn_args a = { .entry = (uint64_t)(uintptr_t)capos_thread_entry,
						   .stack_top = base + l.stack_top,
						   .arg = (uint64_t)(uintptr_t)t,
						   .fs_base = (uint64_t)(uintptr_t)tcb };
	err = capos_thread_spawn_call(thread_spawner_cap, &a, &sp, &type);
	if (err)
		goto out_block;
	t->handle = sp.handle;
	t->tid = sp.thread_id;
	*out = t;
	return CAPOS_OK;
out_block:
	thread_block_put(base, l.size, from_vm);
	return err;
}

int capos_thread_join(struct capos_thread *t, int64_t *exit_code)
{
	struct capos_ring_client *c;
	int64_t code = 0;
	int type;
	int err = capos_thread_join_call(t->handle, &code, &type);

	if (err)
		return err;
	/* The thread is reaped (join completes from the kernel's reap): its stack is free. */
	if (capos_ring_self(&c) == CAPOS_OK)
		(void)capos_ring_release(c, t->handle);
	thread_block_put(t->block, t->block_size, t->from_vm);
	if (exit_code)
		*exit_code = code;
	return CAPOS_OK;
}

_Noreturn void capos_thread_exit(int64_t code)
{
	int type;

	if (capos_kcap_find("threadctl", capos_ThreadControl_TYPE_ID, &thread_control_cap) ==
	    CAPOS_OK)
		(void)capos_thread_exit_call(thread_control_cap, code, &type);
	capos_sys_exit(code); /* no ThreadControl (or it refused): the process ends */
}

uint64_t capos_thread_id(const struct capos_thread *t)
{
	return t->tid;
}

uint32_t capos_thread_handle(const struct capos_thread *t)
{
	return t->handle;
}
