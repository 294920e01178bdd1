/*
 * The kernel CSPRNG (kernel/krng.h; docs/entropy.md). The generator is BearSSL's
 * HMAC-DRBG over SHA-256 from Debian's libbearssl.a (hmac_drbg.o, hmac.o,
 * sha2small.o, dec32be.o, enc32be.o; kernel/rng/krng.mk links exactly those): this
 * file never computes a hash itself. Every BearSSL call runs inside
 * arch_foreign_call (canary TCB, SSE state saved), through krng_op.
 *
 * The DRBG state is also the entropy pool: the first gathering round instantiates it
 * (br_hmac_drbg_init with the round's samples), later rounds are mixed in with
 * br_hmac_drbg_update (SP 800-90A's reseed without a counter). A round is
 * KRNG_HW_WORDS hardware words (RDSEED, else RDRAND; KRNG_HW_CREDIT bits credited
 * each, half their width) and KRNG_JITTER_SAMPLES TSC deltas across a fixed small
 * loop (one bit credited per KRNG_JITTER_PER_BIT samples, and none at all when fewer
 * than half the deltas differ from their predecessor: a deterministic clock, such as
 * QEMU's -icount, gives equal deltas for equal work and earns nothing). Bytes are served once the credit
 * since boot reaches KRNG_SEED_BITS; a reseed gathers KRNG_SEED_BITS fresh bits (or
 * as many as KRNG_RESEED_ROUNDS rounds give: all of it is mixed in either way).
 * Round buffers are wiped after use.
 *
 * Lock legend: [S] boot CPU, interrupts disabled (kernel/krng.h).
 */
#include <kernel/krng.h>

#include <bearssl_rand.h>

#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/cmdline.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/proc.h>

#define KRNG_HW_WORDS 8u	   /* hardware words per round */
#define KRNG_HW_CREDIT 32u	   /* bits credited per 64-bit hardware word */
#define KRNG_JITTER_SAMPLES 64u	   /* TSC deltas per round */
#define KRNG_JITTER_PER_BIT 8u	   /* samples per credited bit */
#define KRNG_JITTER_LOOP 512u	   /* work units between two TSC reads */
#define KRNG_BOOT_ROUNDS 128u	   /* rounds tried at boot before giving up */
#define KRNG_RESEED_ROUNDS 48u	   /* rounds tried per reseed */
#define KRNG_BRACKET_SAMPLES 32u   /* empty brackets timed for the figure */
#define KRNG_PERSONAL "capOS krng" /* personalization of the instantiation */

/* One gathering round: what is mixed into the DRBG. */
struct krng_round {
	uint64_t hw[KRNG_HW_WORDS];
	uint64_t jitter[KRNG_JITTER_SAMPLES];
	uint64_t when_ns; /* arch_clock_ns at the end of the round (not credited) */
};

static struct {
	br_hmac_drbg_context drbg; /* [S] generator and pool */
	bool instantiated;	   /* [S] drbg holds a state */
	bool seeded;		   /* [S] KRNG_SEED_BITS credited: bytes may be served */
	bool nohw;		   /* [I] entropy=nohw: no hardware reads, no jitter credit */
	bool bracket_user_logged;  /* [S] the user-thread bracket figure was logged */
	uint32_t credit;	   /* [S] bits credited towards the first seeding */
	uint32_t reseeds;	   /* [S] reseeds since the first seeding */
	uint64_t served;	   /* [S] bytes served since the last (re)seed */
	uint64_t seeded_ns;	   /* [S] arch_clock_ns of the last (re)seed */
} krng;

/* ---- BearSSL calls, each inside the foreign-code bracket ---- */

enum krng_op_kind { KRNG_OP_INIT, KRNG_OP_UPDATE, KRNG_OP_GENERATE, KRNG_OP_NONE };

struct krng_op {
	br_hmac_drbg_context *ctx;
	enum krng_op_kind kind;
	const void *in; /* INIT, UPDATE: seed material */
	size_t in_len;
	void *out; /* GENERATE */
	size_t out_len;
};

/* Runs inside arch_foreign_call: the only code that calls into BearSSL. */
static void krng_op_run(void *arg)
{
	struct krng_op *op = arg;

	switch (op->kind) {
	case KRNG_OP_INIT:
		br_hmac_drbg_init(op->ctx, &br_sha256_vtable, op->in, op->in_len);
		break;
	case KRNG_OP_UPDATE:
		br_hmac_drbg_update(op->ctx, op->in, op->in_len);
		break;
	case KRNG_OP_GENERATE:
		br_hmac_drbg_generate(op->ctx, op->out, op->out_len);
		break;
	case KRNG_OP_NONE:
		break;
	}
}

static void krng_op(enum krng_op_kind kind, br_hmac_drbg_context *ctx, const void *in,
		    size_t in_len, void *out, size_t out_len)
{
	struct krng_op op = { ctx, kind, in, in_len, out, out_len };
	struct thread *t = proc_current_thread();

	arch_foreign_call(t ? &t->arch : NULL, krng_op_run, &op);
}

/* Clears a buffer that held secrets; the barrier keeps the stores. */
static void krng_wipe(void *p, size_t n)
{
	__builtin_memset(p, 0, n);
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* ---- known-answer test ---- */

/* NIST CAVP drbgvectors_no_reseed/HMAC_DRBG.rsp, [SHA-256], PredictionResistance =
 * False, EntropyInputLen = 256, NonceLen = 128, no personalization or additional
 * input, COUNT = 0: seed = EntropyInput || Nonce; instantiate, generate 1024 bits
 * twice; the second output is ReturnedBits. */
static const uint8_t krng_kat_seed[48] = {
	0xca, 0x85, 0x19, 0x11, 0x34, 0x93, 0x84, 0xbf, 0xfe, 0x89, 0xde, 0x1c,
	0xbd, 0xc4, 0x6e, 0x68, 0x31, 0xe4, 0x4d, 0x34, 0xa4, 0xfb, 0x93, 0x5e,
	0xe2, 0x85, 0xdd, 0x14, 0xb7, 0x1a, 0x74, 0x88, 0x65, 0x9b, 0xa9, 0x6c,
	0x60, 0x1d, 0xc6, 0x9f, 0xc9, 0x02, 0x94, 0x08, 0x05, 0xec, 0x0c, 0xa8,
};
static const uint8_t krng_kat_bits[128] = {
	0xe5, 0x28, 0xe9, 0xab, 0xf2, 0xde, 0xce, 0x54, 0xd4, 0x7c, 0x7e, 0x75, 0xe5, 0xfe, 0x30,
	0x21, 0x49, 0xf8, 0x17, 0xea, 0x9f, 0xb4, 0xbe, 0xe6, 0xf4, 0x19, 0x96, 0x97, 0xd0, 0x4d,
	0x5b, 0x89, 0xd5, 0x4f, 0xbb, 0x97, 0x8a, 0x15, 0xb5, 0xc4, 0x43, 0xc9, 0xec, 0x21, 0x03,
	0x6d, 0x24, 0x60, 0xb6, 0xf7, 0x3e, 0xba, 0xd0, 0xdc, 0x2a, 0xba, 0x6e, 0x62, 0x4a, 0xbf,
	0x07, 0x74, 0x5b, 0xc1, 0x07, 0x69, 0x4b, 0xb7, 0x54, 0x7b, 0xb0, 0x99, 0x5f, 0x70, 0xde,
	0x25, 0xd6, 0xb2, 0x9e, 0x2d, 0x30, 0x11, 0xbb, 0x19, 0xd2, 0x76, 0x76, 0xc0, 0x71, 0x62,
	0xc8, 0xb5, 0xcc, 0xde, 0x06, 0x68, 0x96, 0x1d, 0xf8, 0x68, 0x03, 0x48, 0x2c, 0xb3, 0x7e,
	0xd6, 0xd5, 0xc0, 0xbb, 0x8d, 0x50, 0xcf, 0x1f, 0x50, 0xd4, 0x76, 0xaa, 0x04, 0x58, 0xbd,
	0xab, 0xa8, 0x06, 0xf4, 0x8b, 0xe9, 0xdc, 0xb8,
};

static void krng_selftest(void)
{
	br_hmac_drbg_context ctx;
	uint8_t out[sizeof(krng_kat_bits)];

	krng_op(KRNG_OP_INIT, &ctx, krng_kat_seed, sizeof(krng_kat_seed), NULL, 0);
	krng_op(KRNG_OP_GENERATE, &ctx, NULL, 0, out, sizeof(out));
	krng_op(KRNG_OP_GENERATE, &ctx, NULL, 0, out, sizeof(out));
	if (__builtin_memcmp(out, krng_kat_bits, sizeof(out)) != 0)
		panic("entropy: HMAC-DRBG known-answer test failed");
	klog("entropy", "self-test: HMAC-DRBG SHA-256 NIST CAVP vector (no reseed, COUNT 0) ok");
}

/* Mean TSC-derived nanoseconds of one empty bracket for the calling context (under
 * QEMU -icount shift=0 a nanosecond is one guest instruction). */
static uint64_t krng_bracket_ns(void)
{
	uint64_t t0 = arch_clock_ns();

	for (unsigned i = 0; i < KRNG_BRACKET_SAMPLES; i++)
		krng_op(KRNG_OP_NONE, NULL, NULL, 0, NULL, 0);
	return (arch_clock_ns() - t0) / KRNG_BRACKET_SAMPLES;
}

/* ---- gathering ---- */

/* Hardware words into r; the bits credited. */
static uint32_t krng_gather_hw(struct krng_round *r)
{
	uint32_t credit = 0;

	for (unsigned i = 0; i < KRNG_HW_WORDS && !krng.nohw; i++)
		if (arch_hwrng_read(&r->hw[i]) == CAPOS_OK)
			credit += KRNG_HW_CREDIT;
	return credit;
}

/* TSC deltas across a fixed amount of work; the bits credited: 0 when jitter credit is
 * off or fewer than half the deltas differ from their predecessor (a deterministic
 * clock, e.g. QEMU -icount, gives the same delta for the same work every time). */
static uint32_t krng_gather_jitter(struct krng_round *r)
{
	volatile uint64_t sink = 0;
	uint64_t prev = arch_cycles(), last_delta = 0;
	uint32_t changed = 0;

	for (unsigned i = 0; i < KRNG_JITTER_SAMPLES; i++) {
		for (uint64_t k = 0; k < KRNG_JITTER_LOOP; k++)
			sink = sink * 31 + k;
		uint64_t now = arch_cycles(), delta = now - prev;

		changed += i > 0 && delta != last_delta;
		r->jitter[i] = delta;
		last_delta = delta;
		prev = now;
	}
	if (krng.nohw || changed < KRNG_JITTER_SAMPLES / 2)
		return 0;
	return KRNG_JITTER_SAMPLES / KRNG_JITTER_PER_BIT;
}

/* One round gathered and mixed into the DRBG (instantiating it the first time); the
 * bits credited. */
static uint32_t krng_round(void)
{
	struct krng_round r = { 0 };
	uint32_t credit = krng_gather_hw(&r) + krng_gather_jitter(&r);

	r.when_ns = arch_clock_ns();
	if (!krng.instantiated) {
		krng_op(KRNG_OP_INIT, &krng.drbg, &r, sizeof(r), NULL, 0);
		krng_op(KRNG_OP_UPDATE, &krng.drbg, KRNG_PERSONAL, sizeof(KRNG_PERSONAL) - 1, NULL,
			0);
		krng.instantiated = true;
	} else {
		krng_op(KRNG_OP_UPDATE, &krng.drbg, &r, sizeof(r), NULL, 0);
	}
	krng_wipe(&r, sizeof(r));
	return credit;
}

/* Rounds until `want` bits are credited or max_rounds ran; the bits credited. */
static uint32_t krng_collect(uint32_t want, uint32_t max_rounds, uint32_t *rounds)
{
	uint32_t got = 0;

	if (krng.nohw) /* nothing can be credited: one round mixes the samples in */
		max_rounds = 1;
	for (*rounds = 0; got < want && *rounds < max_rounds; (*rounds)++)
		got += krng_round();
	return got;
}

static void krng_mark_seeded(void)
{
	krng.seeded = true;
	krng.served = 0;
	krng.seeded_ns = arch_clock_ns();
}

/* entropy=<value>: only `nohw` exists; any other value is a boot error, so a typo
 * cannot silently leave the hardware source on in a test meant to run without it. */
static void krng_config(const char *cmdline)
{
	krng.nohw = cmdline_value_is(cmdline, "entropy", "nohw");
	if (!krng.nohw && cmdline_has(cmdline, "entropy")) {
		klog("entropy", "error: unknown entropy= value (known: nohw)");
		arch_debug_exit(ARCH_EXIT_FAILURE);
	}
}

void krng_init(const char *cmdline)
{
	uint64_t t0 = arch_clock_ns();
	uint32_t rounds;

	krng_config(cmdline);
	krng_selftest();
	klog("entropy", "bracket: %llu ns per empty foreign call (boot context)",
	     (unsigned long long)krng_bracket_ns());
	krng.credit = krng_collect(KRNG_SEED_BITS, KRNG_BOOT_ROUNDS, &rounds);
	if (krng.credit >= KRNG_SEED_BITS) {
		krng_mark_seeded();
		klog("entropy", "seeded: %u bits credited in %u rounds (hardware %s)", krng.credit,
		     rounds, arch_hwrng_present() ? "rdseed/rdrand" : "absent");
	} else {
		klog("entropy",
		     "not seeded: %u bits credited in %u rounds (%s); EntropySource "
		     "refuses until seeded",
		     krng.credit, rounds,
		     krng.nohw ? "entropy=nohw: hardware and jitter credit off" : "sources weak");
	}
	klog("entropy", "init: %llu ns (self-test, bracket figure, seeding)",
	     (unsigned long long)(arch_clock_ns() - t0));
}

bool krng_seeded(void)
{
	return krng.seeded;
}

uint32_t krng_reseeds(void)
{
	return krng.reseeds;
}

/* Reseeds when KRNG_RESEED_BYTES were served or KRNG_RESEED_NS passed since the last. */
static void krng_maybe_reseed(size_t n)
{
	uint32_t rounds, got;

	if (krng.served + n <= KRNG_RESEED_BYTES &&
	    arch_clock_ns() - krng.seeded_ns < KRNG_RESEED_NS)
		return;
	got = krng_collect(KRNG_SEED_BITS, KRNG_RESEED_ROUNDS, &rounds);
	krng.reseeds++;
	klog("entropy", "reseed %u after %llu bytes: %u bits credited in %u rounds", krng.reseeds,
	     (unsigned long long)krng.served, got, rounds);
	krng_mark_seeded();
}

/* The first request from a user thread logs the bracket's cost with its xstate. */
static void krng_log_user_bracket(void)
{
	if (krng.bracket_user_logged)
		return;
	krng.bracket_user_logged = true;
	klog("entropy", "bracket: %llu ns per empty foreign call (user thread, xstate saved)",
	     (unsigned long long)krng_bracket_ns());
}

int krng_generate(void *out, size_t n)
{
	if (n == 0 || n > KRNG_MAX_REQUEST)
		return CAPOS_ERR_INVALID;
	krng_log_user_bracket();
	if (!krng.seeded) {
		krng.credit += krng_round();
		if (krng.credit < KRNG_SEED_BITS)
			return CAPOS_ERR_ENTROPY_UNSEEDED;
		krng_mark_seeded();
		klog("entropy", "seeded: %u bits credited (late)", krng.credit);
	}
	krng_maybe_reseed(n);
	krng_op(KRNG_OP_GENERATE, &krng.drbg, NULL, 0, out, n);
	krng.served += n;
	return CAPOS_OK;
}
