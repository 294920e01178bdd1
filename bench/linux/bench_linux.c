/*
 * bench_linux: the Linux-guest side of the capOS benchmarks.
 *
 * Runs inside a stock Debian kernel booted by bench/run.py in the same QEMU that runs
 * capOS, so capOS figures can be reported as ratios against the same kind of work on
 * Linux. Each workload times a loop with rdtsc and prints one parseable line on stdout
 * (the grammar is in docs/benchmarks.md and parsed by bench/run.py):
 *
 *   bench <name> ops=<N> tsc=<T> tsc_per_op=<T/N> ns=<NS> ns_per_op=<NS/N>
 *   bench <name> unavailable reason=<text>
 *   bench <name> error reason=<text>
 *
 * Under `-icount shift=0,sleep=off` one TSC tick is one guest instruction (the `calib`
 * workload proves it on every run: a loop of exactly 4 instructions per iteration), so
 * tsc_per_op is the guest path length per operation, not a cycle count. Under plain TCG
 * (MTTCG) ns_per_op is wall-clock time, dominated by emulator costs (see the docs).
 *
 * Usage: bench_linux NAME[:OPS] ...   (NAME "all" runs every workload; "list" lists
 * them). Every process pins itself to CPU 0 unless the workload says otherwise, so the
 * icount (-smp 1) and MTTCG (-smp 2) runs measure the same placement.
 * Exit status: 0 if no workload reported `error`, 1 otherwise, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

extern char **environ;

/* Where the initramfs puts the trivial binaries for the spawn workloads. */
#define BENCH_TRUE_MIN "/bench/true_min"
#define BENCH_TRUE_LIBC "/bench/true_libc"

/* Warm-up rounds run before every timed loop (page faults, first-use slab allocations
 * and cache-cold paths stay out of the figure). */
#define BENCH_WARMUP_DIV 10
#define BENCH_WARMUP_MIN 16

/* One timed region: TSC ticks and CLOCK_MONOTONIC nanoseconds. */
struct bench_span {
	uint64_t tsc0, tsc1;
	struct timespec t0, t1;
};

/* Result of one workload: 0 and a filled span, or an explanation. */
enum bench_status { BENCH_OK, BENCH_UNAVAILABLE, BENCH_ERROR };

struct bench_result {
	enum bench_status status;
	long ops; /* operations covered by the span */
	struct bench_span span;
	char reason[120]; /* for UNAVAILABLE / ERROR */
};

struct bench_def {
	const char *name;
	const char *what;
	long default_ops;
	void (*run)(struct bench_result *res, long ops);
};

static inline uint64_t bench_rdtsc(void)
{
	_mm_lfence();
	uint64_t t = __rdtsc();
	_mm_lfence();
	return t;
}

static void span_begin(struct bench_span *s)
{
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	s->tsc0 = bench_rdtsc();
}

static void span_end(struct bench_span *s)
{
	s->tsc1 = bench_rdtsc();
	clock_gettime(CLOCK_MONOTONIC, &s->t1);
}

static long warmup_rounds(long ops)
{
	long w = ops / BENCH_WARMUP_DIV;
	return w < BENCH_WARMUP_MIN ? BENCH_WARMUP_MIN : w;
}

/* Records an error with errno's text; the caller then returns. */
static void fail(struct bench_result *res, const char *what)
{
	res->status = BENCH_ERROR;
	snprintf(res->reason, sizeof res->reason, "%s:%s", what, strerror(errno));
}

static void unavailable(struct bench_result *res, const char *why)
{
	res->status = BENCH_UNAVAILABLE;
	snprintf(res->reason, sizeof res->reason, "%s", why);
}

static int pin_to_cpu(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof set, &set);
}

static int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : (int)n;
}

/* Reaps a child and insists it exited with status 0. */
static int reap_ok(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		errno = ECHILD;
		return -1;
	}
	return 0;
}

/* ---- calib: a loop of exactly 4 instructions per iteration ------------------------ */

/* Runs the 4-instruction loop `iters` times between two TSC reads; returns the delta. */
static uint64_t calib_loop(uint64_t iters, struct bench_span *s)
{
	uint64_t a = 0, b = 0, n = iters;
	span_begin(s);
	__asm__ volatile("1:\n\t"
			 "add $1, %0\n\t"
			 "add $2, %1\n\t"
			 "dec %2\n\t"
			 "jnz 1b"
			 : "+r"(a), "+r"(b), "+r"(n)
			 :
			 : "cc");
	span_end(s);
	return a == iters && b == 2 * iters ? s->tsc1 - s->tsc0 : 0;
}

/*
 * Under icount shift=0 the TSC advances by one per retired guest instruction. A single
 * timed loop would also count the timer interrupts that land inside it, so this times
 * loops of `ops` and of 2*`ops` iterations CALIB_REPS times each, keeps the minimum of
 * each (some repetition escapes every interrupt), and reports their difference: the cost
 * of exactly `ops` iterations with the constant rdtsc/lfence overhead cancelled. Under
 * icount that is exactly 4*ops ticks (bench/run.py checks it); under MTTCG it is host
 * TSC ticks.
 */
#define CALIB_REPS 16

static void bench_calib(struct bench_result *res, long ops)
{
	uint64_t best[2] = { UINT64_MAX, UINT64_MAX };
	struct bench_span s[2], keep[2];
	for (int rep = 0; rep < CALIB_REPS; rep++) {
		for (int k = 0; k < 2; k++) {
			uint64_t d = calib_loop((uint64_t)ops * (uint64_t)(k + 1), &s[k]);
			if (d == 0) {
				errno = EIO;
				fail(res, "calib-miscount");
				return;
			}
			if (d < best[k]) {
				best[k] = d;
				keep[k] = s[k];
			}
		}
	}
	/* Present the difference as one span: tsc = best[1] - best[0], same for the clock. */
	res->span.tsc0 = 0;
	res->span.tsc1 = best[1] - best[0];
	long ns1 = (keep[1].t1.tv_sec - keep[1].t0.tv_sec) * 1000000000L +
		   (keep[1].t1.tv_nsec - keep[1].t0.tv_nsec);
	long ns0 = (keep[0].t1.tv_sec - keep[0].t0.tv_sec) * 1000000000L +
		   (keep[0].t1.tv_nsec - keep[0].t0.tv_nsec);
	if (ns1 < ns0) /* only possible without icount: host time noise */
		ns1 = ns0;
	res->span.t0 = (struct timespec){ 0, 0 };
	res->span.t1 = (struct timespec){ (ns1 - ns0) / 1000000000L, (ns1 - ns0) % 1000000000L };
	res->ops = ops;
}

/* ---- getpid: the null system call ------------------------------------------------- */

static void bench_getpid(struct bench_result *res, long ops)
{
	pid_t me = getpid();
	for (long i = 0; i < warmup_rounds(ops); i++)
		(void)syscall(SYS_getpid);
	long bad = 0;
	span_begin(&res->span);
	for (long i = 0; i < ops; i++)
		bad += syscall(SYS_getpid) != me;
	span_end(&res->span);
	if (bad) {
		errno = EIO;
		fail(res, "getpid-mismatch");
		return;
	}
	res->ops = ops;
}

/* ---- pipe ping-pong between two processes ------------------------------------------ */

/* Child: echo one byte from `in` to `out`, `rounds` times. */
static void pipe_echo(int in, int out, long rounds)
{
	char c;
	for (long i = 0; i < rounds; i++) {
		if (read(in, &c, 1) != 1 || write(out, &c, 1) != 1)
			_exit(3);
	}
	_exit(0);
}

/* Parent: send a byte, wait for it back. Returns 0 or -1 (errno set). */
static int pipe_rounds(int out, int in, long rounds)
{
	for (long i = 0; i < rounds; i++) {
		char c = (char)i, r;
		if (write(out, &c, 1) != 1 || read(in, &r, 1) != 1)
			return -1;
		if (r != c) {
			errno = EIO;
			return -1;
		}
	}
	return 0;
}

static void pipe_pingpong(struct bench_result *res, long ops, int child_cpu)
{
	int ab[2], ba[2];
	long warm = warmup_rounds(ops);
	if (pipe(ab) || pipe(ba)) {
		fail(res, "pipe");
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fail(res, "fork");
		return;
	}
	if (pid == 0) {
		if (pin_to_cpu(child_cpu))
			_exit(4);
		close(ab[1]);
		close(ba[0]);
		pipe_echo(ab[0], ba[1], warm + ops);
	}
	close(ab[0]);
	close(ba[1]);
	int rc = pipe_rounds(ab[1], ba[0], warm);
	if (rc == 0) {
		span_begin(&res->span);
		rc = pipe_rounds(ab[1], ba[0], ops);
		span_end(&res->span);
	}
	if (rc)
		fail(res, "pipe-rounds");
	close(ab[1]);
	close(ba[0]);
	if (reap_ok(pid) && rc == 0) {
		fail(res, "pipe-child");
		return;
	}
	res->ops = ops;
}

static void bench_pipe(struct bench_result *res, long ops)
{
	pipe_pingpong(res, ops, 0);
}

static void bench_pipe_xcpu(struct bench_result *res, long ops)
{
	if (online_cpus() < 2) {
		unavailable(res, "needs-2-cpus");
		return;
	}
	pipe_pingpong(res, ops, 1);
}

/* ---- futex ping-pong: between processes (shared mapping) and between threads ------- */

/*
 * Two words, one per direction. A side posts by storing 1 and waking the other side's
 * word; it waits by sleeping in FUTEX_WAIT while its own word is still 0, then consumes
 * (stores 0). `private` selects FUTEX_PRIVATE_FLAG (threads of one process).
 */
struct futex_pair {
	_Atomic uint32_t to_peer;
	_Atomic uint32_t to_main;
	long rounds;
	int private_futex;
	int peer_cpu;
	int failed;
};

/*
 * A side whose peer died must not wait forever. A timed FUTEX_WAIT would arm an hrtimer
 * on every wait and so change the path being measured; instead the driving side arms
 * alarm(FUTEX_WATCHDOG_S) around the whole run (never reached in a healthy run), the
 * handler sets a flag, FUTEX_WAIT returns EINTR (no SA_RESTART) and futex_take gives up.
 */
#define FUTEX_WATCHDOG_S 120

static volatile sig_atomic_t futex_watchdog_fired;

static void futex_watchdog(int sig)
{
	(void)sig;
	futex_watchdog_fired = 1;
}

static int futex_watchdog_arm(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = futex_watchdog;
	futex_watchdog_fired = 0;
	if (sigaction(SIGALRM, &sa, NULL))
		return -1;
	alarm(FUTEX_WATCHDOG_S);
	return 0;
}

static long futex_op(_Atomic uint32_t *w, int op, uint32_t val, int private_futex)
{
	if (private_futex)
		op |= FUTEX_PRIVATE_FLAG;
	return syscall(SYS_futex, (uint32_t *)w, op, val, NULL, NULL, 0);
}

static int futex_post(_Atomic uint32_t *w, int private_futex)
{
	atomic_store_explicit(w, 1, memory_order_release);
	return futex_op(w, FUTEX_WAKE, 1, private_futex) < 0 ? -1 : 0;
}

static int futex_take(_Atomic uint32_t *w, int private_futex)
{
	while (atomic_load_explicit(w, memory_order_acquire) == 0) {
		if (futex_watchdog_fired) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (futex_op(w, FUTEX_WAIT, 0, private_futex) < 0 && errno != EAGAIN &&
		    errno != EINTR)
			return -1;
	}
	atomic_store_explicit(w, 0, memory_order_relaxed);
	return 0;
}

static int futex_peer_loop(struct futex_pair *fp)
{
	for (long i = 0; i < fp->rounds; i++) {
		if (futex_take(&fp->to_peer, fp->private_futex) ||
		    futex_post(&fp->to_main, fp->private_futex))
			return -1;
	}
	return 0;
}

static int futex_main_rounds(struct futex_pair *fp, long rounds)
{
	for (long i = 0; i < rounds; i++) {
		if (futex_post(&fp->to_peer, fp->private_futex) ||
		    futex_take(&fp->to_main, fp->private_futex))
			return -1;
	}
	return 0;
}

static void *futex_thread_main(void *arg)
{
	struct futex_pair *fp = arg;
	if (pin_to_cpu(fp->peer_cpu) || futex_peer_loop(fp))
		fp->failed = 1;
	return NULL;
}

/* Timed part shared by both variants: warm-up rounds, then `ops` timed rounds, under
 * the watchdog. On failure the peer is told to give up (flag set, its word woken). */
static int futex_drive(struct bench_result *res, struct futex_pair *fp, long ops, long warm)
{
	if (futex_watchdog_arm())
		return -1;
	int rc = futex_main_rounds(fp, warm);
	if (rc == 0) {
		span_begin(&res->span);
		rc = futex_main_rounds(fp, ops);
		span_end(&res->span);
	}
	alarm(0);
	if (rc) {
		int saved = errno;
		futex_watchdog_fired = 1;
		(void)futex_op(&fp->to_peer, FUTEX_WAKE, 1, fp->private_futex);
		errno = saved;
	}
	return rc;
}

static void futex_proc(struct bench_result *res, long ops, int peer_cpu)
{
	long warm = warmup_rounds(ops);
	struct futex_pair *fp =
		mmap(NULL, sizeof *fp, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fp == MAP_FAILED) {
		fail(res, "mmap");
		return;
	}
	*fp = (struct futex_pair){ .rounds = warm + ops, .private_futex = 0 };
	pid_t pid = fork();
	if (pid < 0) {
		fail(res, "fork");
		goto out_unmap;
	}
	if (pid == 0)
		_exit(pin_to_cpu(peer_cpu) || futex_peer_loop(fp) ? 3 : 0);
	if (futex_drive(res, fp, ops, warm)) {
		fail(res, "futex-rounds");
		kill(pid, SIGKILL); /* it may be waiting for a post that will never come */
	}
	if (reap_ok(pid) && res->status == BENCH_OK)
		fail(res, "futex-child");
	res->ops = ops;
out_unmap:
	munmap(fp, sizeof *fp);
}

static void futex_thread(struct bench_result *res, long ops, int peer_cpu)
{
	long warm = warmup_rounds(ops);
	static struct futex_pair fp;
	pthread_t th;
	fp = (struct futex_pair){ .rounds = warm + ops, .private_futex = 1, .peer_cpu = peer_cpu };
	int err = pthread_create(&th, NULL, futex_thread_main, &fp);
	if (err) {
		errno = err;
		fail(res, "pthread_create");
		return;
	}
	if (futex_drive(res, &fp, ops, warm))
		fail(res, "futex-rounds");
	pthread_join(th, NULL); /* on failure futex_drive has told the peer to give up */
	if (fp.failed && res->status == BENCH_OK) {
		errno = EIO;
		fail(res, "futex-thread");
		return;
	}
	res->ops = ops;
}

static void bench_futex_proc(struct bench_result *res, long ops)
{
	futex_proc(res, ops, 0);
}

static void bench_futex_proc_xcpu(struct bench_result *res, long ops)
{
	if (online_cpus() < 2) {
		unavailable(res, "needs-2-cpus");
		return;
	}
	futex_proc(res, ops, 1);
}

static void bench_futex_thread(struct bench_result *res, long ops)
{
	futex_thread(res, ops, 0);
}

static void bench_futex_thread_xcpu(struct bench_result *res, long ops)
{
	if (online_cpus() < 2) {
		unavailable(res, "needs-2-cpus");
		return;
	}
	futex_thread(res, ops, 1);
}

/* ---- posix_spawn + waitpid of a trivial static binary ------------------------------- */

static int spawn_rounds(const char *path, long rounds)
{
	char *argv[] = { (char *)path, NULL };
	for (long i = 0; i < rounds; i++) {
		pid_t pid;
		int err = posix_spawn(&pid, path, NULL, NULL, argv, environ);
		if (err) {
			errno = err;
			return -1;
		}
		if (reap_ok(pid))
			return -1;
	}
	return 0;
}

static void spawn_bench(struct bench_result *res, long ops, const char *path)
{
	if (access(path, X_OK)) {
		fail(res, path);
		return;
	}
	if (spawn_rounds(path, warmup_rounds(ops))) {
		fail(res, "spawn-warmup");
		return;
	}
	span_begin(&res->span);
	int rc = spawn_rounds(path, ops);
	span_end(&res->span);
	if (rc) {
		fail(res, "spawn");
		return;
	}
	res->ops = ops;
}

static void bench_spawn(struct bench_result *res, long ops)
{
	spawn_bench(res, ops, BENCH_TRUE_MIN);
}

static void bench_spawn_libc(struct bench_result *res, long ops)
{
	spawn_bench(res, ops, BENCH_TRUE_LIBC);
}

/* ---- io_uring NOP, raw system calls ------------------------------------------------- */

struct uring {
	int fd;
	unsigned sq_entries;
	void *sq_map, *cq_map;
	size_t sq_len, cq_len;
	struct io_uring_sqe *sqes;
	size_t sqes_len;
	_Atomic unsigned *sq_tail, *cq_head, *cq_tail;
	unsigned *sq_array, sq_mask, cq_mask;
	struct io_uring_cqe *cqes;
};

static void uring_close(struct uring *u)
{
	if (u->sqes)
		munmap(u->sqes, u->sqes_len);
	if (u->cq_map && u->cq_map != u->sq_map)
		munmap(u->cq_map, u->cq_len);
	if (u->sq_map)
		munmap(u->sq_map, u->sq_len);
	close(u->fd);
}

/* Returns 0, or -1 with errno set (ENOSYS/EPERM mean the kernel lacks io_uring). */
static int uring_open(struct uring *u, unsigned entries)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	memset(u, 0, sizeof *u);
	u->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (u->fd < 0)
		return -1;
	u->sq_entries = p.sq_entries;
	u->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	u->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (u->cq_len > u->sq_len)
			u->sq_len = u->cq_len;
		u->cq_len = u->sq_len;
	}
	u->sq_map = mmap(NULL, u->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd,
			 IORING_OFF_SQ_RING);
	if (u->sq_map == MAP_FAILED) {
		u->sq_map = NULL;
		goto out_close;
	}
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		u->cq_map = u->sq_map;
	} else {
		u->cq_map = mmap(NULL, u->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
				 u->fd, IORING_OFF_CQ_RING);
		if (u->cq_map == MAP_FAILED) {
			u->cq_map = NULL;
			goto out_close;
		}
	}
	u->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	u->sqes = mmap(NULL, u->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd,
		       IORING_OFF_SQES);
	if (u->sqes == MAP_FAILED) {
		u->sqes = NULL;
		goto out_close;
	}
	char *sq = u->sq_map, *cq = u->cq_map;
	u->sq_tail = (_Atomic unsigned *)(sq + p.sq_off.tail);
	u->sq_mask = *(unsigned *)(sq + p.sq_off.ring_mask);
	u->sq_array = (unsigned *)(sq + p.sq_off.array);
	u->cq_head = (_Atomic unsigned *)(cq + p.cq_off.head);
	u->cq_tail = (_Atomic unsigned *)(cq + p.cq_off.tail);
	u->cq_mask = *(unsigned *)(cq + p.cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
out_close : {
	int saved = errno;
	uring_close(u);
	errno = saved;
	return -1;
}
}

/* Submits `batch` NOPs in one io_uring_enter, waits for all, checks every completion. */
static int uring_nop_batch(struct uring *u, unsigned batch, uint64_t tag)
{
	unsigned tail = atomic_load_explicit(u->sq_tail, memory_order_relaxed);
	for (unsigned i = 0; i < batch; i++, tail++) {
		unsigned idx = tail & u->sq_mask;
		struct io_uring_sqe *sqe = &u->sqes[idx];
		memset(sqe, 0, sizeof *sqe);
		sqe->opcode = IORING_OP_NOP;
		sqe->user_data = tag + i;
		u->sq_array[idx] = idx;
	}
	atomic_store_explicit(u->sq_tail, tail, memory_order_release);
	long n = syscall(__NR_io_uring_enter, u->fd, batch, batch, IORING_ENTER_GETEVENTS, NULL, 0);
	if (n != (long)batch) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	unsigned head = atomic_load_explicit(u->cq_head, memory_order_relaxed);
	unsigned ctail = atomic_load_explicit(u->cq_tail, memory_order_acquire);
	if (ctail - head != batch) {
		errno = EIO;
		return -1;
	}
	for (unsigned i = 0; i < batch; i++, head++) {
		struct io_uring_cqe *cqe = &u->cqes[head & u->cq_mask];
		if (cqe->res != 0 || cqe->user_data != tag + i) {
			errno = EIO;
			return -1;
		}
	}
	atomic_store_explicit(u->cq_head, head, memory_order_release);
	return 0;
}

static void uring_bench(struct bench_result *res, long ops, unsigned batch)
{
	struct uring u;
	long enters = ops / batch;
	if (enters < 1)
		enters = 1;
	if (uring_open(&u, batch < 16 ? 16 : batch)) {
		if (errno == ENOSYS || errno == EPERM) {
			unavailable(res, "io_uring-not-supported-by-kernel");
			return;
		}
		fail(res, "io_uring_setup");
		return;
	}
	int rc = 0;
	for (long i = 0; i < warmup_rounds(enters) && !rc; i++)
		rc = uring_nop_batch(&u, batch, (uint64_t)i * batch);
	if (!rc) {
		span_begin(&res->span);
		for (long i = 0; i < enters && !rc; i++)
			rc = uring_nop_batch(&u, batch, (uint64_t)i * batch);
		span_end(&res->span);
	}
	if (rc)
		fail(res, "io_uring_enter");
	uring_close(&u);
	res->ops = enters * batch;
}

static void bench_uring_b1(struct bench_result *res, long ops)
{
	uring_bench(res, ops, 1);
}

static void bench_uring_b16(struct bench_result *res, long ops)
{
	uring_bench(res, ops, 16);
}

/* ---- table and driver --------------------------------------------------------------- */

static const struct bench_def bench_defs[] = {
	{ "calib", "asm loop of 4 instructions/iteration (checks 1 tick = 1 insn)", 20000,
	  bench_calib },
	{ "getpid", "syscall(SYS_getpid) loop", 100000, bench_getpid },
	{ "pipe", "pipe ping-pong round trip, 2 processes on CPU 0", 10000, bench_pipe },
	{ "pipe-xcpu", "pipe ping-pong round trip, CPU 0 <-> CPU 1", 2000, bench_pipe_xcpu },
	{ "futex-proc", "futex wake/wait round trip, 2 processes on CPU 0", 10000,
	  bench_futex_proc },
	{ "futex-proc-xcpu", "futex round trip, 2 processes, CPU 0 <-> CPU 1", 2000,
	  bench_futex_proc_xcpu },
	{ "futex-thread", "futex wake/wait round trip, 2 threads on CPU 0", 10000,
	  bench_futex_thread },
	{ "futex-thread-xcpu", "futex round trip, 2 threads, CPU 0 <-> CPU 1", 2000,
	  bench_futex_thread_xcpu },
	{ "spawn", "posix_spawn+waitpid of a static _start-only binary", 300, bench_spawn },
	{ "spawn-libc", "posix_spawn+waitpid of a static glibc main(){return 0;}", 300,
	  bench_spawn_libc },
	{ "uring-nop-b1", "io_uring NOP, 1 per io_uring_enter (per NOP)", 32000, bench_uring_b1 },
	{ "uring-nop-b16", "io_uring NOP, 16 per io_uring_enter (per NOP)", 32000,
	  bench_uring_b16 },
};

#define BENCH_COUNT (sizeof bench_defs / sizeof bench_defs[0])

static void print_result(const char *name, const struct bench_result *res)
{
	if (res->status == BENCH_UNAVAILABLE) {
		printf("bench %s unavailable reason=%s\n", name, res->reason);
	} else if (res->status == BENCH_ERROR) {
		printf("bench %s error reason=%s\n", name, res->reason);
	} else {
		uint64_t tsc = res->span.tsc1 - res->span.tsc0;
		int64_t ns = (int64_t)(res->span.t1.tv_sec - res->span.t0.tv_sec) * 1000000000 +
			     (res->span.t1.tv_nsec - res->span.t0.tv_nsec);
		printf("bench %s ops=%ld tsc=%llu tsc_per_op=%.2f ns=%lld ns_per_op=%.2f\n", name,
		       res->ops, (unsigned long long)tsc, (double)tsc / (double)res->ops,
		       (long long)ns, (double)ns / (double)res->ops);
	}
	fflush(stdout);
}

static const struct bench_def *find_bench(const char *name, size_t len)
{
	for (size_t i = 0; i < BENCH_COUNT; i++) {
		if (strlen(bench_defs[i].name) == len && !strncmp(bench_defs[i].name, name, len))
			return &bench_defs[i];
	}
	return NULL;
}

static int run_one(const struct bench_def *def, long ops)
{
	struct bench_result res;
	memset(&res, 0, sizeof res);
	res.status = BENCH_OK;
	def->run(&res, ops);
	print_result(def->name, &res);
	return res.status == BENCH_ERROR ? -1 : 0;
}

/* Parses "NAME" or "NAME:OPS"; returns 0 and fills def and ops, or -1. */
static int parse_arg(const char *arg, const struct bench_def **def, long *ops)
{
	const char *colon = strchr(arg, ':');
	size_t len = colon ? (size_t)(colon - arg) : strlen(arg);
	*def = find_bench(arg, len);
	if (!*def)
		return -1;
	*ops = (*def)->default_ops;
	if (colon) {
		char *end;
		errno = 0;
		*ops = strtol(colon + 1, &end, 10);
		if (errno || *end || *ops < 1 || *ops > 1000000000L)
			return -1;
	}
	return 0;
}

static void print_info(void)
{
	struct utsname u;
	if (uname(&u) == 0)
		printf("bench-info kernel=%s cpus=%d\n", u.release, online_cpus());
	static const char *const vulns[] = { "meltdown", "spectre_v2", "retbleed" };
	for (size_t i = 0; i < sizeof vulns / sizeof vulns[0]; i++) {
		char path[96], line[160];
		snprintf(path, sizeof path, "/sys/devices/system/cpu/vulnerabilities/%s", vulns[i]);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof line, f)) {
			line[strcspn(line, "\n")] = 0;
			printf("bench-info vuln %s: %s\n", vulns[i], line);
		}
		fclose(f);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s NAME[:OPS]... | all | list\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "list")) {
		for (size_t i = 0; i < BENCH_COUNT; i++)
			printf("%-18s %8ld  %s\n", bench_defs[i].name, bench_defs[i].default_ops,
			       bench_defs[i].what);
		return 0;
	}
	/* Validate the whole request before running anything. */
	for (int i = 1; i < argc; i++) {
		const struct bench_def *def;
		long ops;
		if (strcmp(argv[i], "all") && parse_arg(argv[i], &def, &ops)) {
			fprintf(stderr, "bench_linux: bad workload '%s' (try 'list')\n", argv[i]);
			printf("bench %s error reason=unknown-workload-or-bad-ops\n", argv[i]);
			return 2;
		}
	}
	if (pin_to_cpu(0)) {
		perror("sched_setaffinity");
		return 1;
	}
	print_info();
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "all")) {
			for (size_t j = 0; j < BENCH_COUNT; j++)
				failed |= run_one(&bench_defs[j], bench_defs[j].default_ops) != 0;
			continue;
		}
		const struct bench_def *def;
		long ops;
		(void)parse_arg(argv[i], &def, &ops);
		failed |= run_one(def, ops) != 0;
	}
	return failed ? 1 : 0;
}
