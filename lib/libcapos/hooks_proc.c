/*
 * newlib OS hooks for the process: exit, identity, signals to oneself, and the
 * POSIX process calls capOS does not have (processes are spawned through a
 * ProcessSpawner cap, never forked). Also the errno helpers of hooks.h.
 *
 * Signals: capOS delivers none. raise()/abort() end up in kill(getpid(), sig);
 * a signal whose default action terminates ends the process with status 128 + sig
 * (abort() thus exits 134), one whose default action is "ignore" does nothing,
 * and job-control stops are unsupported. Other processes are out of reach: with no
 * cap naming them, kill(other, ...) is EPERM.
 */
#include "hooks.h"

#include <libcapos/runtime.h>
#include <libcapos/sys.h>

#include <capos/error.h>
#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int capos_hook_fail(int err)
{
	errno = err;
	return -1;
}

int capos_hook_errno(int64_t status)
{
	switch (status) {
	case CAPOS_ERR_INVALID:
		return EINVAL;
	case CAPOS_ERR_NO_MEMORY:
		return ENOMEM;
	case CAPOS_ERR_UNSUPPORTED:
		return ENOSYS;
	case CAPOS_ERR_BAD_ADDRESS:
		return EFAULT;
	case CAPOS_ERR_BUSY:
		return EBUSY;
	case CAPOS_ERR_OVERFLOW:
	case CAPOS_ERR_OUT_OF_RANGE:
		return ERANGE;
	case CAPOS_ERR_TIMER_SLEEP_LIMIT: /* clears when a pending sleep completes */
		return EAGAIN;
	case CAPOS_ERR_TIMER_SLEEP_RANGE:
		return EINVAL;
	case CAPOS_ERR_EP_DISCONNECTED: /* the server's endpoint closed: the shell is gone */
		return EPIPE;
	case CAPOS_ERR_STDIO_LINE_TOO_LONG:
		return EMSGSIZE;
	default:
		return EIO;
	}
}

void _exit(int code)
{
	capos_sys_exit(code);
}

pid_t getpid(void)
{
	return (pid_t)capos_boot.pid;
}

static int proc_default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

static int proc_default_stops(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

int kill(pid_t pid, int sig)
{
	if (sig < 0 || sig >= NSIG)
		return capos_hook_fail(EINVAL);
	if (pid != 0 && pid != getpid())
		return capos_hook_fail(EPERM);
	if (sig == 0 || proc_default_ignored(sig))
		return 0;
	if (proc_default_stops(sig))
		return capos_hook_fail(ENOSYS);
	_exit(128 + sig);
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	(void)how;
	(void)set;
	(void)old;
	return capos_hook_fail(ENOSYS);
}

pid_t fork(void)
{
	return capos_hook_fail(ENOSYS);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	(void)path;
	(void)argv;
	(void)envp;
	return capos_hook_fail(ENOSYS);
}

pid_t wait(int *status)
{
	(void)status;
	/* fork() never succeeds, so there is never a child to wait for. */
	return capos_hook_fail(ECHILD);
}
