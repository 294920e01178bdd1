/*
 * newlib's per-thread state (struct _reent: errno, strtok, rand, the number
 * conversion buffers). newlib and every user object are built with __DYNAMIC_REENT__
 * (lib/newlib/user-abi.flags), so newlib reaches its state through __getreent(),
 * defined here over a thread-local pointer: NULL on thread 0, which keeps newlib's
 * global _impure_ptr, and each thread libcapos starts (libcapos/thread.h) points it at
 * the struct _reent in its own block. The standard streams stay process-wide: a
 * thread's reent shares thread 0's stdin/stdout/stderr (stdio is initialised by crt0,
 * libcapos/start.c, before main), so exit() from any thread flushes them.
 * The shared streams and malloc are serialised by newlib's lock hooks (nlock.c).
 */
#include <libcapos/thread.h>

#include <reent.h>
#include <stddef.h>
#include <string.h> /* memset: _REENT_INIT_PTR */

static __thread struct _reent *reent_self; /* NULL: thread 0 (newlib's _impure_ptr) */

struct _reent *__getreent(void)
{
	struct _reent *r = reent_self;

	return r ? r : _impure_ptr;
}

/* A thread's reent has no streams of its own to clean up (they are thread 0's). */
static void reent_no_cleanup(struct _reent *r)
{
	(void)r;
}

void capos_reent_init(struct _reent *r)
{
	_REENT_INIT_PTR(r);
	r->_stdin = _GLOBAL_REENT->_stdin;
	r->_stdout = _GLOBAL_REENT->_stdout;
	r->_stderr = _GLOBAL_REENT->_stderr;
	r->__sdidinit = 1; /* never __sinit this reent: its streams are the shared ones */
	r->__cleanup = reent_no_cleanup;
}

void capos_reent_bind(struct _reent *r)
{
	reent_self = r;
}

void capos_reent_release(struct _reent *r)
{
	reent_self = NULL;
	_reclaim_reent(r);
}
