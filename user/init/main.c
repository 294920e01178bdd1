/*
 * init: the first user process, named by the boot manifest (system/system.capnp) and
 * started by the kernel (kernel/proc/kinit.c) with exactly the caps the manifest grants
 * it. For issue 4 it exercises the kernel caps it holds and reports on COM2:
 *   - Console: every line goes through newlib's printf, which libcapos turns into
 *     Console.write CALLs on the ring;
 *   - Timer: Timer.now twice, and a 10 ms timed wait (cap_enter with nothing queued)
 *     measured with Timer.now;
 *   - VirtualMemory: map two read-write pages, check they are zeroed, write and read
 *     back a pattern, unmap them.
 *   - TLS: thread 0's block was built by the kernel's loader (docs/abi.md §3); its
 *     .tdata and .tbss variables read back their initial values and %fs:0 is the
 *     thread pointer inside the TLS region.
 *   - heap: malloc is backed by VirtualMemory pages in the heap window; a request
 *     beyond the frame quota fails with ENOMEM and the next malloc still works.
 *   - time: clock_gettime(CLOCK_MONOTONIC) over Timer.now and nanosleep over a
 *     cap_enter timeout; CLOCK_REALTIME, gettimeofday and times() on the same clock.
 *   - system calls: the invalid number 0, an unassigned one and the kernel's
 *     utest-only numbers (kernel/include/kernel/syscall_nr.h) all answer
 *     CAPOS_ERR_RING_BAD_SYSCALL in a normal boot: no ambient test authority.
 *   - BootPackage: the boot manifest read back in bounded chunks and validated again
 *     with lib/manifest (user/init/manifest.c), one summary line; then the service graph
 *     is executed (user/init/exec.c): services spawned in order through the
 *     ProcessSpawner granted as "spawner" (optional while the graph is empty), each with
 *     exactly its granted caps, then supervised per restart policy (docs/manifest.md).
 * Each step prints one transcript line with its outcome; init exits 0 only if every
 * step succeeded. The graph's own failures exit INIT_EXIT_SERVICE_FAILED or
 * INIT_EXIT_NOT_STARTED (user/init/exec.h); other failed steps exit INIT_EXIT_FAILED. A missing cap (lookup failure) exits with INIT_EXIT_NO_CAP before
 * anything is printed (there may be no console to print to); any failed step exits
 * INIT_EXIT_FAILED. The kernel logs the status and treats non-zero as a failed boot.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/layout.h>
#include <capos/ring.h>
#include <libcapos/capset.h>
#include <libcapos/ring.h>
#include <libcapos/runtime.h>
#include <libcapos/sys.h>
#include <schema/capos.capnp.h>

#include "exec.h"
#include "graph.h"

#define INIT_EXIT_NO_CAP 2     /* a cap init needs is not in its CapSet */
#define INIT_EXIT_FAILED 3     /* a step failed (its line says which) */
#define INIT_WAIT_NS 10000000u /* the timed wait: 10 ms */
#define INIT_VM_PAGES 2u
#define INIT_PAGE 4096u
#define INIT_HEAP_BLOCK (256u * 1024u)		/* fits in init's frame quota */
#define INIT_HEAP_TOO_BIG (64u * 1024u * 1024u) /* 16384 frames: beyond any init quota */
#define INIT_SLEEP_NS 20000000L			/* nanosleep: 20 ms */
#define INIT_TLS_VALUE 0x5eed1234u
/* The kernel's test-only syscall numbers (kernel/include/kernel/syscall_nr.h: 0x7f00..
 * 0x7f05, 0x7f02 retired) and two never-valid ones. */
#define INIT_TEST_SYS_FIRST 0x7f00u
#define INIT_TEST_SYS_LAST 0x7f05u

struct init_caps {
	uint32_t console, timer, vm, boot, spawner;
	int have_spawner;
};

static struct capos_ring_client *init_ring;
/* malloc results go through here so the compiler cannot pair and delete malloc/free. */
static void *volatile init_sink;
static __thread uint32_t init_tls_value = INIT_TLS_VALUE; /* .tdata */
static __thread uint64_t init_tls_zero;			  /* .tbss */
static uint64_t init_arena[64];
static uint64_t init_framed[65];

/* Looks up `name` with `iface` in the CapSet; 0 or the lookup's error. */
static int init_lookup(const char *name, uint64_t iface, uint32_t *cap)
{
	return capos_capset_lookup((const struct capos_capset_page *)capos_boot.capset, name, iface,
				   cap);
}

/* Reads framed results into a message (bounded). 0 or a capnp error. */
static int init_results(const void *buf, uint32_t len, struct capnp_msg *m)
{
	static struct capnp_segment segs[2];
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };

	return capnp_msg_init_framed(m, buf, len, segs, 2, &lim, NULL);
}

/* Timer.now in *ns; 0 or the CALL's / decoder's error. */
static int init_now(uint32_t timer, uint64_t *ns)
{
	uint64_t res[8];
	struct capos_cqe cqe;
	struct capnp_msg m;
	struct capos_Timer_now_Results_r r;
	int err = capos_ring_call(init_ring, timer, capos_Timer_TYPE_ID, capos_Timer_METHOD_now,
				  NULL, 0, res, sizeof(res), &cqe);

	if (err == 0)
		err = init_results(res, cqe.result_len, &m);
	if (err == 0)
		err = capos_Timer_now_Results_read_root(&m, &r);
	if (err == 0)
		*ns = capos_Timer_now_Results_get_ns(&r);
	return err;
}

/* Frames the builder's message into init_framed; its length in *len. */
static int init_finish(struct capnp_builder *b, uint32_t *len)
{
	size_t n = 0;
	int err = capnp_builder_error(b);

	if (err == 0)
		err = capnp_builder_write_framed(b, init_framed, sizeof(init_framed), &n);
	*len = (uint32_t)n;
	return err;
}

/* VirtualMemory.map(size, read+write) -> *addr. 0 or an error. */
static int init_map(uint32_t vm, uint64_t size, uint64_t *addr)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_VirtualMemory_map_Params_b p;
	struct capos_Protection_b prot;
	struct capos_VirtualMemory_map_Results_r r;
	struct capos_cqe cqe;
	struct capnp_msg m;
	uint64_t res[8];
	uint32_t plen = 0;
	int err = capnp_builder_init(&b, &seg, 1, init_arena, sizeof(init_arena));

	if (err == 0) {
		(void)capos_VirtualMemory_map_request(&b, &p);
		capos_VirtualMemory_map_Params_set_hint(&p, 0);
		capos_VirtualMemory_map_Params_set_size(&p, size);
		(void)capos_VirtualMemory_map_Params_init_prot(&p, &prot);
		capos_Protection_set_read(&prot, true);
		capos_Protection_set_write(&prot, true);
		err = init_finish(&b, &plen);
	}
	if (err == 0)
		err = capos_ring_call(init_ring, vm, capos_VirtualMemory_TYPE_ID,
				      capos_VirtualMemory_METHOD_map, init_framed, plen, res,
				      sizeof(res), &cqe);
	if (err == 0)
		err = init_results(res, cqe.result_len, &m);
	if (err == 0)
		err = capos_VirtualMemory_map_Results_read_root(&m, &r);
	if (err == 0)
		*addr = capos_VirtualMemory_map_Results_get_addr(&r);
	return err;
}

/* VirtualMemory.unmap(addr, size). 0 or an error. */
static int init_unmap(uint32_t vm, uint64_t addr, uint64_t size)
{
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_VirtualMemory_unmap_Params_b p;
	struct capos_cqe cqe;
	uint32_t plen = 0;
	int err = capnp_builder_init(&b, &seg, 1, init_arena, sizeof(init_arena));

	if (err == 0) {
		(void)capos_VirtualMemory_unmap_request(&b, &p);
		capos_VirtualMemory_unmap_Params_set_addr(&p, addr);
		capos_VirtualMemory_unmap_Params_set_size(&p, size);
		err = init_finish(&b, &plen);
	}
	if (err == 0)
		err = capos_ring_call(init_ring, vm, capos_VirtualMemory_TYPE_ID,
				      capos_VirtualMemory_METHOD_unmap, init_framed, plen, NULL, 0,
				      &cqe);
	return err;
}

/* Timer: now is non-zero and monotonic; a timed wait with nothing queued returns 0
 * after at least INIT_WAIT_NS. */
static int init_timer(uint32_t timer)
{
	uint64_t t0 = 0, t1 = 0;
	int64_t n;
	int err = init_now(timer, &t0);

	if (err) {
		printf("init: timer: now failed: %s\n", capos_error_name(err));
		return err;
	}
	printf("init: timer: now is non-zero: %s\n", t0 > 0 ? "yes" : "no");
	n = capos_sys_cap_enter(1, INIT_WAIT_NS);
	err = init_now(timer, &t1);
	if (err) {
		printf("init: timer: now failed: %s\n", capos_error_name(err));
		return err;
	}
	printf("init: timer: cap_enter(1, 10 ms) with nothing queued returned %lld, "
	       "at least 10 ms later: %s\n",
	       (long long)n, t1 >= t0 && t1 - t0 >= INIT_WAIT_NS ? "yes" : "no");
	return t0 > 0 && n == 0 && t1 >= t0 && t1 - t0 >= INIT_WAIT_NS ? 0 : CAPOS_ERR_INVALID;
}

/* VirtualMemory: map INIT_VM_PAGES pages, check zero, write/read a pattern, unmap. */
static int init_vm(uint32_t vm)
{
	const uint64_t size = INIT_VM_PAGES * INIT_PAGE;
	uint64_t addr = 0;
	int err = init_map(vm, size, &addr);
	int zero = 1, same = 1;

	if (err || addr < CAPOS_USER_ANON_BASE || addr >= CAPOS_USER_ANON_END || addr % INIT_PAGE) {
		printf("init: vm: map of %u pages failed: %s\n", INIT_VM_PAGES,
		       err ? capos_error_name(err) : "address outside the anonymous region");
		return err ? err : CAPOS_ERR_INVALID;
	}
	volatile uint8_t *mem = (volatile uint8_t *)(uintptr_t)addr;
	for (uint64_t i = 0; i < size; i++)
		zero &= mem[i] == 0;
	for (uint64_t i = 0; i < size; i++)
		mem[i] = (uint8_t)(i * 7u + 1u);
	for (uint64_t i = 0; i < size; i++)
		same &= mem[i] == (uint8_t)(i * 7u + 1u);
	printf("init: vm: mapped %u pages read-write; zeroed: %s; pattern read back: %s\n",
	       INIT_VM_PAGES, zero ? "yes" : "no", same ? "yes" : "no");
	err = init_unmap(vm, addr, size);
	printf("init: vm: unmap: %s\n", err ? capos_error_name(err) : "ok");
	return err ? err : (zero && same ? 0 : CAPOS_ERR_INVALID);
}

/* TLS built by the kernel: initial values, then %fs:0 inside the TLS region. */
static int init_tls(void)
{
	uint64_t tp;
	int ok_data = init_tls_value == INIT_TLS_VALUE, ok_bss = init_tls_zero == 0, ok_tp;

	__asm__ volatile("movq %%fs:0, %0" : "=r"(tp));
	ok_tp = tp >= CAPOS_USER_TLS_BASE && tp < CAPOS_USER_TLS_END &&
		(uintptr_t)&init_tls_value < tp && (uintptr_t)&init_tls_zero < tp;
	printf("init: tls: .tdata value read back: %s; .tbss zeroed: %s; "
	       "thread pointer in the TLS region: %s\n",
	       ok_data ? "yes" : "no", ok_bss ? "yes" : "no", ok_tp ? "yes" : "no");
	return ok_data && ok_bss && ok_tp ? 0 : CAPOS_ERR_INVALID;
}

/* malloc over VirtualMemory: a block in the heap window, then one beyond the quota. */
static int init_heap(void)
{
	uint8_t *p = (init_sink = malloc(INIT_HEAP_BLOCK));
	int in_window = p && (uintptr_t)p >= CAPOS_USER_HEAP_BASE &&
			(uintptr_t)p + INIT_HEAP_BLOCK <= CAPOS_USER_HEAP_END;
	int same = p != NULL;
	void *big, *after;
	int enomem;

	for (uint32_t i = 0; p && i < INIT_HEAP_BLOCK; i++)
		p[i] = (uint8_t)(i * 13u + 5u);
	for (uint32_t i = 0; p && i < INIT_HEAP_BLOCK; i++)
		same &= p[i] == (uint8_t)(i * 13u + 5u);
	free(p);
	printf("init: heap: malloc(256 KiB) in the heap window, pattern read back: %s\n",
	       in_window && same ? "yes" : "no");
	errno = 0;
	init_sink = malloc(INIT_HEAP_TOO_BIG);
	big = init_sink;
	enomem = big == NULL && errno == ENOMEM;
	free(big);
	init_sink = malloc(64);
	after = init_sink;
	printf("init: heap: malloc(64 MiB) beyond the frame quota: NULL with ENOMEM: %s; "
	       "malloc(64) afterwards: %s\n",
	       enomem ? "yes" : "no", after ? "ok" : "NULL");
	free(after);
	return in_window && same && enomem && after ? 0 : CAPOS_ERR_INVALID;
}

/* mallinfo() through <malloc.h> (its struct made to match newlib's malloc by
 * lib/newlib/build-newlib.sh): a held block counts as in use, and no longer once freed. */
static int init_mallinfo(void)
{
	struct mallinfo before = mallinfo();
	void *p = (init_sink = malloc(INIT_HEAP_BLOCK));
	struct mallinfo held = mallinfo();
	struct mallinfo after;
	int ok;

	free(p);
	after = mallinfo();
	ok = p != NULL && held.uordblks - before.uordblks >= (int)INIT_HEAP_BLOCK &&
	     held.arena >= held.uordblks && after.uordblks == before.uordblks;
	printf("init: heap: mallinfo: a 256 KiB block in use while held, not after free: %s\n",
	       ok ? "yes" : "no");
	return ok ? 0 : CAPOS_ERR_INVALID;
}

/* clock_gettime(CLOCK_MONOTONIC) around a 20 ms nanosleep. */
static int init_time(void)
{
	const struct timespec req = { 0, INIT_SLEEP_NS };
	struct timespec t0 = { 0 }, t1 = { 0 };
	int64_t d;
	int a = clock_gettime(CLOCK_MONOTONIC, &t0);
	int s = nanosleep(&req, NULL);
	int b = clock_gettime(CLOCK_MONOTONIC, &t1);

	d = ((int64_t)t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
	printf("init: time: clock_gettime(CLOCK_MONOTONIC): %s; nanosleep(20 ms): %s, "
	       "at least 20 ms passed: %s\n",
	       a == 0 && b == 0 ? "ok" : strerror(errno), s == 0 ? "ok" : strerror(errno),
	       d >= INIT_SLEEP_NS ? "yes" : "no");
	return a == 0 && b == 0 && s == 0 && d >= INIT_SLEEP_NS ? 0 : CAPOS_ERR_INVALID;
}

/* |a - b| <= 1 s, for readings of the same clock taken moments apart. */
static int init_close(int64_t a_ns, int64_t b_ns)
{
	return a_ns - b_ns <= 1000000000 && b_ns - a_ns <= 1000000000;
}

/* The wall-clock hooks read the same clock with the boot as epoch (docs/userspace.md). */
static int init_wallclock(void)
{
	struct timespec mono = { 0 }, real = { 0 };
	struct timeval tv = { 0 };
	struct tms tms;
	int ok = clock_gettime(CLOCK_MONOTONIC, &mono) == 0 &&
		 clock_gettime(CLOCK_REALTIME, &real) == 0 && gettimeofday(&tv, NULL) == 0;
	clock_t ticks = times(&tms);
	int64_t m = (int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec;
	int wall = ok && init_close((int64_t)real.tv_sec * 1000000000 + real.tv_nsec, m) &&
		   init_close((int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000, m);
	int tick = ticks != (clock_t)-1 && init_close((int64_t)ticks * (1000000000 / CLK_TCK), m);

	printf("init: time: CLOCK_REALTIME and gettimeofday read the boot-epoch clock: %s; "
	       "times() counts ticks since boot: %s\n",
	       wall ? "yes" : "no", tick ? "yes" : "no");
	return wall && tick ? 0 : CAPOS_ERR_INVALID;
}

/* A raw system call with two arguments (init probes numbers libcapos never uses). */
static int64_t init_syscall(uint64_t nr, uint64_t a0, uint64_t a1)
{
	int64_t ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Every probed number answers exactly CAPOS_ERR_RING_BAD_SYSCALL. */
static int init_syscalls(void)
{
	int ok = init_syscall(0, 0, 0) == CAPOS_ERR_RING_BAD_SYSCALL &&
		 init_syscall(3, 0, 0) == CAPOS_ERR_RING_BAD_SYSCALL;

	for (uint64_t nr = INIT_TEST_SYS_FIRST; nr <= INIT_TEST_SYS_LAST; nr++)
		ok &= init_syscall(nr, 0, 0) == CAPOS_ERR_RING_BAD_SYSCALL;
	printf("init: syscalls 0, 3 and the utest-only 0x7f00..0x7f05: "
	       "CAPOS_ERR_RING_BAD_SYSCALL each: %s\n",
	       ok ? "yes" : "no");
	return ok ? 0 : CAPOS_ERR_INVALID;
}

/* BootPackage: read and validate the manifest, then execute the service graph.
 * Returns 0, the graph's exit status (user/init/exec.h) or INIT_EXIT_FAILED. */
static int init_graph(const struct init_caps *c)
{
	struct init_manifest m;
	int status;

	if (init_manifest_load(init_ring, c->boot, &m))
		return INIT_EXIT_FAILED;
	status = init_exec_run(init_ring, c->have_spawner, c->spawner, m.plan);
	init_manifest_free(&m);
	return status;
}

int main(void)
{
	struct init_caps c;
	int failed = 0, graph;

	if (init_lookup("console", capos_Console_TYPE_ID, &c.console) ||
	    init_lookup("timer", capos_Timer_TYPE_ID, &c.timer) ||
	    init_lookup("vm", capos_VirtualMemory_TYPE_ID, &c.vm) ||
	    init_lookup("boot", capos_BootPackage_TYPE_ID, &c.boot))
		return INIT_EXIT_NO_CAP;
	c.have_spawner =
		init_lookup("spawner", capos_ProcessSpawner_TYPE_ID, &c.spawner) == CAPOS_OK;
	if (capos_ring_self(&init_ring))
		return INIT_EXIT_FAILED;
	printf("init: hello from init (pid %u) through Console\n", (unsigned)capos_boot.pid);
	failed |= init_timer(c.timer) != 0;
	failed |= init_vm(c.vm) != 0;
	failed |= init_tls() != 0;
	failed |= init_heap() != 0;
	failed |= init_mallinfo() != 0;
	failed |= init_time() != 0;
	failed |= init_wallclock() != 0;
	failed |= init_syscalls() != 0;
	graph = init_graph(&c);
	printf("init: %s\n", failed || graph ? "FAILED" : "done, exiting 0");
	return graph ? graph : failed ? INIT_EXIT_FAILED : 0;
}
