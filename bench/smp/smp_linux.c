/*
 * smp_linux: the Linux side of the SMP scaling benchmark (bench/smp/, issue 8), a static
 * glibc program booted in the Linux guest of bench/linux/ under -smp 2 (MTTCG) by
 * bench/smp/smp_bench.py. It starts the shared job of smp_work.c on N pthreads or N
 * fork()ed processes (the job on a MAP_SHARED page) and prints the job's line, and
 * times a futex ping-pong between two threads:
 *
 *   smp_linux ref [CHUNKS]           the reference checksum, computed here (the driver
 *                                    runs this on the host): smp-ref chunks=C sum=0x..
 *   smp_linux CFG[:ARG] ...          in the guest, CFG one of
 *       thread-N[:CHUNKS]  N pthreads (N 1..8), work + total (create .. join)
 *       proc-N[:CHUNKS]    N processes (fork .. waitpid)
 *       pingpong[:ROUNDS]  FUTEX_WAIT/FUTEX_WAKE round trips between two threads
 *       pingpong-proc[:ROUNDS]  the same between two fork()ed processes (the word on a
 *                          MAP_SHARED page, so shared, not private, futexes)
 *       warmup[:CHUNKS]    the untimed warm-up (smp_warmup), first on both sides
 *
 * Nothing is pinned: Linux places the workers. Each configuration prints one line
 * (smp_work.h grammar) or `smp CFG error reason=...`. Exit 0 if every configuration
 * succeeded, 1 otherwise, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smp_work.h"

/* FUTEX_PRIVATE_FLAG between threads; 0 (shared futexes) between processes. */
static int smp_futex_private = FUTEX_PRIVATE_FLAG;

int smp_park(_Atomic uint32_t *word, uint32_t expected)
{
	long r = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT | smp_futex_private, expected,
			 NULL, NULL, 0);

	return r == 0 || errno == EAGAIN || errno == EINTR ? 0 : -1;
}

int smp_unpark(_Atomic uint32_t *word)
{
	return syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE | smp_futex_private, 1, NULL, NULL,
		       0) < 0
		       ? -1
		       : 0;
}

static void *smp_thread_main(void *arg)
{
	return (void *)(intptr_t)smp_worker(arg);
}

/* N pthreads over the job; 0 or -1 (a create, join or worker failed). */
static int smp_run_threads(struct smp_job *job, uint32_t n)
{
	pthread_t t[SMP_MAX_PARTS];
	uint32_t made = 0;
	int err = 0;

	for (; made < n; made++)
		if (pthread_create(&t[made], NULL, smp_thread_main, job) != 0) {
			err = -1;
			break;
		}
	for (uint32_t i = 0; i < made; i++) {
		void *ret;
		if (pthread_join(t[i], &ret) != 0 || ret != NULL)
			err = -1;
	}
	return err;
}

/* N processes over the job (which must be MAP_SHARED); 0 or -1. */
static int smp_run_procs(struct smp_job *job, uint32_t n)
{
	pid_t pid[SMP_MAX_PARTS];
	uint32_t made = 0;
	int err = 0;

	for (; made < n; made++) {
		pid[made] = fork();
		if (pid[made] == 0)
			_exit(smp_worker(job) == 0 ? 0 : 1);
		if (pid[made] < 0) {
			err = -1;
			break;
		}
	}
	for (uint32_t i = 0; i < made; i++) {
		int st;
		if (waitpid(pid[i], &st, 0) != pid[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			err = -1;
	}
	return err;
}

static int smp_error(const char *cfg, const char *why)
{
	printf("smp %s error reason=%s:%s\n", cfg, why, errno ? strerror(errno) : "-");
	fflush(stdout);
	return -1;
}

/* One thread-N or proc-N configuration; prints its line. */
static int smp_config(const char *cfg, int procs, uint32_t n, uint32_t chunks)
{
	struct smp_job *job =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct smp_outcome o;
	char line[SMP_LINE_MAX];
	int err = 0;

	if (job == MAP_FAILED)
		return smp_error(cfg, "mmap");
	if (smp_job_init(job, n, chunks) != 0)
		err = smp_error(cfg, "bad-split");
	uint64_t t0 = smp_now_ns();
	if (err == 0 && (procs ? smp_run_procs(job, n) : smp_run_threads(job, n)) != 0)
		err = smp_error(cfg, procs ? "fork/wait" : "create/join");
	uint64_t t1 = smp_now_ns();
	if (err == 0 && smp_job_collect(job, t1 - t0, &o) != 0)
		err = smp_error(cfg, "collect");
	if (err == 0) {
		smp_format(line, sizeof(line), cfg, job, &o);
		printf("%s\n", line);
		fflush(stdout);
	}
	munmap(job, 4096);
	return err;
}

static void *smp_pong_main(void *arg)
{
	return (void *)(intptr_t)smp_pingpong_side(arg, 1);
}

/* Side 1 on a thread (procs 0) or a fork()ed child (procs 1); 0 or -1. */
static int smp_pong_start(struct smp_pingpong *pp, int procs, pthread_t *t, pid_t *pid)
{
	if (!procs)
		return pthread_create(t, NULL, smp_pong_main, pp) == 0 ? 0 : -1;
	*pid = fork();
	if (*pid == 0)
		_exit(smp_pingpong_side(pp, 1) == 0 ? 0 : 1);
	return *pid > 0 ? 0 : -1;
}

static int smp_pong_join(int procs, pthread_t t, pid_t pid)
{
	void *ret = NULL;
	int st;

	if (!procs)
		return pthread_join(t, &ret) == 0 && ret == NULL ? 0 : -1;
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* pingpong (threads) or pingpong-proc (processes): side 0 here, side 1 started. */
static int smp_pingpong(const char *cfg, int procs, uint32_t rounds)
{
	struct smp_pingpong *pp =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_t t = 0;
	pid_t pid = 0;
	char line[SMP_LINE_MAX];
	int err = 0;

	if (pp == MAP_FAILED)
		return smp_error(cfg, "mmap");
	smp_futex_private = procs ? 0 : FUTEX_PRIVATE_FLAG;
	atomic_store(&pp->turn, 0);
	pp->warmup = SMP_PINGPONG_WARMUP;
	pp->rounds = rounds;
	if (smp_pong_start(pp, procs, &t, &pid) != 0)
		err = smp_error(cfg, "start");
	if (err == 0) {
		int side = smp_pingpong_side(pp, 0);
		if (smp_pong_join(procs, t, pid) != 0 || side != 0)
			err = smp_error(cfg, "futex");
	}
	if (err == 0) {
		smp_format_pingpong(line, sizeof(line), cfg, rounds, pp->ns);
		printf("%s\n", line);
		fflush(stdout);
	}
	munmap(pp, 4096);
	return err;
}

/* "NAME" or "NAME:NUM" -> name length and *num (unchanged without a suffix); -1 if the
 * number is not 1..2^31. */
static int smp_split_arg(const char *arg, size_t *namelen, uint32_t *num)
{
	const char *colon = strchr(arg, ':');

	*namelen = colon ? (size_t)(colon - arg) : strlen(arg);
	if (!colon)
		return 0;
	char *end;
	errno = 0;
	unsigned long v = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || v == 0 || v > (1ul << 31))
		return -1;
	*num = (uint32_t)v;
	return 0;
}

/* One command-line configuration; 0, -1 (it failed: line printed) or -2 (bad usage). */
static int smp_dispatch(const char *arg)
{
	char cfg[32];
	size_t len;
	uint32_t num = 0, n;
	char kind[8];

	if (smp_split_arg(arg, &len, &num) != 0 || len >= sizeof(cfg))
		return -2;
	memcpy(cfg, arg, len);
	cfg[len] = '\0';
	if (strcmp(cfg, "pingpong") == 0 || strcmp(cfg, "pingpong-proc") == 0)
		return smp_pingpong(cfg, cfg[8] != '\0', num ? num : SMP_PINGPONG_ROUNDS);
	if (strcmp(cfg, "warmup") == 0) {
		char line[SMP_LINE_MAX];

		smp_warmup(line, sizeof(line), num ? num : SMP_WARMUP_CHUNKS);
		printf("%s\n", line);
		fflush(stdout);
		return 0;
	}
	if (sscanf(cfg, "%7[a-z]-%u", kind, &n) != 2 || n < 1 || n > SMP_MAX_PARTS)
		return -2;
	if (strcmp(kind, "thread") && strcmp(kind, "proc"))
		return -2;
	return smp_config(cfg, strcmp(kind, "proc") == 0, n, num ? num : SMP_DEFAULT_CHUNKS);
}

int main(int argc, char **argv)
{
	int failed = 0;

	if (argc >= 2 && strcmp(argv[1], "ref") == 0) {
		uint32_t chunks =
			argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : SMP_DEFAULT_CHUNKS;
		if (chunks == 0)
			return 2;
		printf("smp-ref chunks=%u sum=0x%016llx\n", chunks,
		       (unsigned long long)smp_reference(chunks));
		return 0;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: smp_linux ref [CHUNKS] | {thread-N|proc-N}[:CHUNKS] "
				"pingpong[-proc][:ROUNDS] ...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int r = smp_dispatch(argv[i]);
		if (r == -2) {
			fprintf(stderr, "smp_linux: bad configuration %s\n", argv[i]);
			return 2;
		}
		failed |= r != 0;
	}
	return failed ? 1 : 0;
}
