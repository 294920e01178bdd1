/*
 * smp_work: the CPU-bound job of the SMP scaling benchmark (bench/smp/, issue 8), one
 * source for both guests: compiled by gcc into the static Linux program
 * (bench/smp/smp_linux.c) and by clang into the capOS program (user/smpbench). It owns
 * the work itself, the job record the workers share, the start barrier, the timing of
 * each part and the result line; each side only starts the workers (threads or
 * processes) and waits for them.
 *
 * The work: SMP_CHUNK_ITERS steps of a serial integer mixing chain per chunk (no
 * memory traffic at all: the state stays in registers), `chunks` chunks split into
 * `nparts` equal contiguous ranges. A chunk's value depends only on its index, and the
 * checksum is the sum (mod 2^64) of all chunk values, so it is the same whatever the
 * split; the driver compares it with the host's (`smp_linux ref`) and fails a run that
 * computed anything else.
 *
 * Time is clock_gettime(CLOCK_MONOTONIC) on both sides: Linux's clock, and on capOS
 * libcapos's hook over Timer.now (the kernel's calibrated TSC), which under MTTCG both
 * follow the host's time.
 */
#ifndef BENCH_SMP_WORK_H
#define BENCH_SMP_WORK_H

#include <stddef.h>
#include <stdint.h> /* before stdatomic.h: newlib's needs its types */
#include <stdatomic.h>

#define SMP_MAX_PARTS 8u
#define SMP_CHUNK_ITERS 4096u
#define SMP_DEFAULT_CHUNKS 49152u /* ~1 s for one part under MTTCG on the project host */
#define SMP_WARMUP_CHUNKS (SMP_DEFAULT_CHUNKS / 2) /* smp_warmup's share before the configs */
#define SMP_LINE_MAX 200u
#define SMP_PINGPONG_ROUNDS 4000u /* timed round trips of the benchmark's ping-pong */
#define SMP_PINGPONG_WARMUP 100u  /* untimed ones first */

/* One worker's record, written by that worker only (a cache line of its own). */
struct smp_part {
	uint64_t t0_ns; /* after the start barrier */
	uint64_t t1_ns; /* after its last chunk */
	uint64_t sum;	/* its chunks' values, summed */
	uint32_t done;	/* 1 once the three fields above are final */
	uint32_t pad[9];
};

/* The job: set up by the starter (smp_job_init) before any worker runs. Workers take a
 * ticket (their part), meet at the barrier, work, and record. Lives in memory every
 * worker can reach: the process's own (threads) or a shared page (processes). */
struct smp_job {
	uint32_t magic;		  /* SMP_JOB_MAGIC once initialised */
	uint32_t nparts;	  /* 1..SMP_MAX_PARTS */
	uint32_t chunks;	  /* a multiple of nparts */
	_Atomic uint32_t ticket;  /* next part to hand out */
	_Atomic uint32_t arrived; /* workers at the barrier */
	uint32_t pad[11];
	struct smp_part part[SMP_MAX_PARTS];
};

#define SMP_JOB_MAGIC 0x534d504aU /* "SMPJ" */

_Static_assert(sizeof(struct smp_part) == 64, "one cache line per part");
_Static_assert(sizeof(struct smp_job) <= 4096, "the job fits one page");

/* What a finished job measured. */
struct smp_outcome {
	uint64_t work_ns;  /* first worker past the barrier .. last worker done */
	uint64_t total_ns; /* the starter's span: first start .. last join/wait */
	uint64_t sum;	   /* the checksum */
};

/* CLOCK_MONOTONIC in ns; 0 if the clock failed (callers treat 0 as an error). */
uint64_t smp_now_ns(void);

/* The value of chunk `c` (pure). */
uint64_t smp_chunk(uint32_t c);

/* The checksum of chunks [0, chunks) computed in the caller (the reference). */
uint64_t smp_reference(uint32_t chunks);

/* Prepare `job` for `nparts` workers over `chunks` chunks. Returns 0, or -1 if nparts
 * is 0 or above SMP_MAX_PARTS or chunks is 0 or not a multiple of nparts. */
int smp_job_init(struct smp_job *job, uint32_t nparts, uint32_t chunks);

/* Run one worker: take a part, wait at the barrier for all nparts workers, compute the
 * part, record it. Returns 0, or -1 if the job is not initialised, every part is
 * already taken, or the clock failed. Spins (with pause) at the barrier: the starter
 * must start all nparts workers. */
int smp_worker(struct smp_job *job);

/* After every worker finished: fold the parts into *out. total_ns is the starter's
 * span. Returns 0, or -1 if a part is missing or its times are inconsistent. */
int smp_job_collect(const struct smp_job *job, uint64_t total_ns, struct smp_outcome *out);

/* Park/unpark ping-pong between two threads of one process (the futex round trip of
 * issue 8), or two processes sharing the record's memory: `turn` says whose move it is (0: side 0, 1: side 1); each side waits for
 * its turn with smp_park and hands the turn over with smp_unpark. A round trip is
 * side 0 handing the turn over and getting it back. */
struct smp_pingpong {
	_Atomic uint32_t turn; /* [a] whose move: 0 or 1 (starts at 0) */
	uint32_t warmup;       /* [I] untimed round trips first (thread start-up) */
	uint32_t rounds;       /* [I] timed round trips */
	uint64_t ns;	       /* side 0's time for the timed round trips */
};

/* Per-side primitives (Linux: FUTEX_WAIT/FUTEX_WAKE; capOS: CAPOS_OP_PARK/UNPARK).
 * smp_park blocks while *word == expected (it may return early: callers re-check);
 * smp_unpark wakes one waiter of word. Both return 0 or -1 on an error. */
int smp_park(_Atomic uint32_t *word, uint32_t expected);
int smp_unpark(_Atomic uint32_t *word);

/* Side `who` (0 or 1) of warmup + rounds round trips; side 0 moves first and times
 * the last `rounds` into pp->ns. Returns 0, or -1 if a primitive or the clock failed. */
int smp_pingpong_side(struct smp_pingpong *pp, uint32_t who);

/*
 * The warm-up each side runs before its first configuration: `chunks` of the job on the
 * calling thread, untimed for the figures (the Linux guest's first configuration right
 * after boot ran up to 2x slower in some boots: boot-time background work). Formats
 * `smp-warmup chunks=C ns=T sum=0x...` into buf (not a result line: the driver skips
 * it); snprintf's return.
 */
int smp_warmup(char *buf, size_t n, uint32_t chunks);

/* The result line (docs/benchmarks.md "SMP scaling"):
 *   smp <cfg> parts=N chunks=C work_ns=W total_ns=T sum=0x<16 hex>
 * into buf; returns snprintf's count. */
int smp_format(char *buf, size_t n, const char *cfg, const struct smp_job *job,
	       const struct smp_outcome *o);

/* The ping-pong line: smp <cfg> rounds=R total_ns=T ns_per_rt=X.YY, cfg pingpong
 * (two threads) or pingpong-proc (two processes). */
int smp_format_pingpong(char *buf, size_t n, const char *cfg, uint32_t rounds, uint64_t total_ns);

#endif
