/*
 * The kernel CSPRNG (kernel/rng/krng.c; docs/entropy.md): one HMAC-DRBG over SHA-256
 * from Debian's BearSSL (br_hmac_drbg_*, run inside arch_foreign_call), seeded from
 * RDSEED/RDRAND when the CPU has them plus TSC jitter samples, each with a
 * conservative credit. It serves bytes only once >= KRNG_SEED_BITS bits have been
 * credited, and reseeds from fresh samples every KRNG_RESEED_BYTES bytes served or
 * KRNG_RESEED_NS nanoseconds, whichever comes first. `entropy=nohw` on the kernel
 * command line disables the hardware source and the jitter credit (jitter is still
 * mixed in), so the DRBG never becomes seeded: the boot test of the refusal.
 *
 * Lock legend: [S] boot CPU, interrupts disabled (SMP: one spinlock around the DRBG
 * state and the counters; the bracket itself is per-CPU safe).
 */
#ifndef KERNEL_KRNG_H
#define KERNEL_KRNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KRNG_SEED_BITS 256u	    /* credited bits before the first byte is served */
#define KRNG_MAX_REQUEST 256u	    /* bytes per krng_generate call */
#define KRNG_RESEED_BYTES 65536u    /* reseed after this many bytes served ... */
#define KRNG_RESEED_NS 60000000000u /* ... or this long since the last (re)seed */

/*
 * Boot, once, after proc_init (the bracket needs the per-CPU current thread): runs the
 * DRBG known-answer test (NIST CAVP HMAC_DRBG SHA-256 vector; a mismatch panics: the
 * linked BearSSL members or the bracket are broken), measures the bracket, then
 * gathers samples until seeded (or the round limit). Logs "[entropy] ..." lines,
 * the last "[entropy] init: N ns". An `entropy=` value other than `nohw` is a boot
 * error ("[entropy] error: ...", ARCH_EXIT_FAILURE), so a typo cannot pass unnoticed.
 */
void krng_init(const char *cmdline);

/* True once KRNG_SEED_BITS bits have been credited. */
bool krng_seeded(void);

/*
 * n (1..KRNG_MAX_REQUEST) random bytes into out (a kernel buffer), reseeding first
 * when the interval has passed. Errors: CAPOS_ERR_INVALID (n out of range; the cap
 * checks it first), CAPOS_ERR_ENTROPY_UNSEEDED (not seeded yet: one more gathering
 * round is tried before refusing).
 */
int krng_generate(void *out, size_t n);

/* Reseeds done since the first seeding (for the boot tests' log line and figures). */
uint32_t krng_reseeds(void);

#endif
