/*
 * The OS surface Debian's libargon2.a needs beyond newlib (dependencies.md §3).
 * newlib already supplies malloc/calloc/free, memcpy/memset/strlen/strncmp and the
 * checked __memcpy_chk/__sprintf_chk/__stack_chk_fail (its libc/ssp: real bounds
 * checks, abort on overflow); the `%fs:0x28` canary the Debian objects read is the
 * TCB slot crt0 arms (docs/userspace.md "Stack protector"). What is left is the
 * pthread entry points of libargon2's thread.o: capOS has no pthreads, and cred_hash
 * always passes threads = 1, for which libargon2 never calls them. Should it ever,
 * creating and joining fail with ENOSYS (libargon2 then answers
 * ARGON2_THREAD_FAIL, a typed CAPOS_ERR_CRED_HASH) and exiting a thread aborts.
 * The prototypes are glibc's ABI (pthread_t is an unsigned long), which the Debian
 * objects were compiled against; newlib for x86_64-elf declares no pthreads.
 */
#include <errno.h>
#include <stdlib.h>

int pthread_create(unsigned long *thread, const void *attr, void *(*start)(void *), void *arg);
int pthread_join(unsigned long thread, void **retval);
_Noreturn void pthread_exit(void *retval);

int pthread_create(unsigned long *thread, const void *attr, void *(*start)(void *), void *arg)
{
	(void)thread;
	(void)attr;
	(void)start;
	(void)arg;
	return ENOSYS;
}

int pthread_join(unsigned long thread, void **retval)
{
	(void)thread;
	(void)retval;
	return ENOSYS;
}

_Noreturn void pthread_exit(void *retval)
{
	(void)retval;
	abort();
}
