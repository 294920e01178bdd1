/*
 * smp_work: the shared job of the SMP scaling benchmark (smp_work.h has the contract).
 * Portable C17 over <stdatomic.h> and clock_gettime only, so the same file builds for
 * the Linux guest (gcc, glibc) and for capOS (clang, newlib + libcapos).
 */
#include "smp_work.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Odd multipliers of the mixing chain (any odd 64-bit constants make each step a
 * bijection of the state; these have well-spread bits). */
#define SMP_MUL_A 0x9e3779b97f4a7c15ull
#define SMP_MUL_B 0xd1b54a32d192ed03ull

uint64_t smp_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Each step depends on the previous one, so the loop cannot be vectorised or
 * reordered away: it costs the same handful of ALU instructions per step everywhere. */
uint64_t smp_chunk(uint32_t c)
{
	uint64_t h = ((uint64_t)c + 1) * SMP_MUL_A;

	for (uint32_t i = 0; i < SMP_CHUNK_ITERS; i++) {
		h ^= h >> 29;
		h = (h + i) * SMP_MUL_B;
		h ^= h >> 31;
	}
	return h;
}

static uint64_t smp_range(uint32_t c0, uint32_t c1)
{
	uint64_t sum = 0;

	for (uint32_t c = c0; c < c1; c++)
		sum += smp_chunk(c);
	return sum;
}

uint64_t smp_reference(uint32_t chunks)
{
	return smp_range(0, chunks);
}

int smp_job_init(struct smp_job *job, uint32_t nparts, uint32_t chunks)
{
	if (nparts == 0 || nparts > SMP_MAX_PARTS || chunks == 0 || chunks % nparts != 0)
		return -1;
	memset(job, 0, sizeof(*job));
	job->nparts = nparts;
	job->chunks = chunks;
	atomic_store(&job->ticket, 0);
	atomic_store(&job->arrived, 0);
	job->magic = SMP_JOB_MAGIC;
	return 0;
}

/* The x86 spin-wait hint: yields the pipeline (and, under TCG, the translated loop). */
static void smp_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

int smp_worker(struct smp_job *job)
{
	if (job->magic != SMP_JOB_MAGIC)
		return -1;
	uint32_t me = atomic_fetch_add(&job->ticket, 1);
	if (me >= job->nparts)
		return -1;
	struct smp_part *p = &job->part[me];
	uint32_t per = job->chunks / job->nparts;

	atomic_fetch_add(&job->arrived, 1);
	while (atomic_load(&job->arrived) < job->nparts)
		smp_relax();
	p->t0_ns = smp_now_ns();
	p->sum = smp_range(me * per, (me + 1) * per);
	p->t1_ns = smp_now_ns();
	atomic_thread_fence(memory_order_release);
	p->done = 1;
	return p->t0_ns != 0 && p->t1_ns != 0 ? 0 : -1;
}

int smp_job_collect(const struct smp_job *job, uint64_t total_ns, struct smp_outcome *out)
{
	uint64_t first = UINT64_MAX, last = 0, sum = 0;

	atomic_thread_fence(memory_order_acquire);
	if (job->magic != SMP_JOB_MAGIC || atomic_load(&job->ticket) != job->nparts)
		return -1;
	for (uint32_t i = 0; i < job->nparts; i++) {
		const struct smp_part *p = &job->part[i];

		if (!p->done || p->t0_ns == 0 || p->t1_ns < p->t0_ns)
			return -1;
		first = p->t0_ns < first ? p->t0_ns : first;
		last = p->t1_ns > last ? p->t1_ns : last;
		sum += p->sum;
	}
	out->work_ns = last - first;
	out->total_ns = total_ns;
	out->sum = sum;
	return 0;
}

int smp_format(char *buf, size_t n, const char *cfg, const struct smp_job *job,
	       const struct smp_outcome *o)
{
	return snprintf(buf, n,
			"smp %s parts=%" PRIu32 " chunks=%" PRIu32 " work_ns=%" PRIu64
			" total_ns=%" PRIu64 " sum=0x%016" PRIx64,
			cfg, job->nparts, job->chunks, o->work_ns, o->total_ns, o->sum);
}

int smp_warmup(char *buf, size_t n, uint32_t chunks)
{
	uint64_t t0 = smp_now_ns(), sum = smp_reference(chunks), t1 = smp_now_ns();

	return snprintf(buf, n, "smp-warmup chunks=%" PRIu32 " ns=%" PRIu64 " sum=0x%016" PRIx64,
			chunks, t1 - t0, sum);
}

/* Waits (parked) until *turn == want. */
static int smp_await_turn(_Atomic uint32_t *turn, uint32_t want)
{
	uint32_t cur;

	while ((cur = atomic_load(turn)) != want)
		if (smp_park(turn, cur) != 0)
			return -1;
	return 0;
}

int smp_pingpong_side(struct smp_pingpong *pp, uint32_t who)
{
	uint32_t total = pp->warmup + pp->rounds;
	uint64_t t0 = 0;
	int err = 0;

	for (uint32_t r = 0; err == 0 && r < total; r++) {
		if (who == 0 && r == pp->warmup)
			t0 = smp_now_ns();
		if (who == 1)
			err = smp_await_turn(&pp->turn, 1);
		if (err == 0) {
			atomic_store(&pp->turn, 1u - who);
			err = smp_unpark(&pp->turn);
		}
		if (err == 0 && who == 0)
			err = smp_await_turn(&pp->turn, 0);
	}
	if (err == 0 && who == 0) {
		uint64_t t1 = smp_now_ns();
		err = t0 && t1 >= t0 ? 0 : -1;
		pp->ns = t1 - t0;
	}
	return err;
}

int smp_format_pingpong(char *buf, size_t n, const char *cfg, uint32_t rounds, uint64_t total_ns)
{
	uint64_t per100 = rounds ? total_ns * 100 / rounds : 0;

	return snprintf(buf, n,
			"smp %s rounds=%" PRIu32 " total_ns=%" PRIu64 " ns_per_rt=%" PRIu64
			".%02" PRIu64,
			cfg, rounds, total_ns, per100 / 100, per100 % 100);
}
