/*
 * capos-shell: state and module contracts shared by the shell's files (docs/shell.md).
 * The shell holds its terminal (TerminalSession), a SessionManager facet, a
 * CapabilityManager of its own table and a raw endpoint `stdio` on which it serves
 * StdIO to its children; every other cap arrives in the session's bundle. One thread,
 * one ring: the event loop (jobs.c) keeps a terminal read, the StdIO RECV and every
 * child's ProcessHandle.wait in flight at once; other calls are synchronous.
 *
 * Files: main.c (start, prompt, command dispatch), call.c (asynchronous CALLs, result
 * parsing; synchronous ones through libcapos/client.h), term.c (terminal output and the asynchronous line read), session.c (login,
 * setup, guest, logout, session, the bundle), jobs.c (run/spawn/ps/kill, the event
 * loop, the StdIO server), info.c (caps, motd, shutdown, help).
 */
#ifndef SHELL_SHELL_H
#define SHELL_SHELL_H

#include <stdbool.h>
#include <stdint.h>

#include <capnp/capnp.h>
#include <capos/ring.h>
#include <libcapos/client.h>
#include <libcapos/ring.h>
#include <libcapos/terminal.h>

#include "parse.h"

#define SH_BUNDLE_MAX 16u    /* bundle caps held at once (current and ended session) */
#define SH_JOBS_MAX 8u	     /* live children */
#define SH_STDIN_LINES 4u    /* lines typed ahead for the foreground child */
#define SH_USER_MAX 63u	     /* user names */
#define SH_PASSWORD_MAX 128u /* password bytes (the terminal bounds a line at 256) */

/* user_data of the event loop's own asynchronous operations (top bit clear, ring.h;
 * far above the StdIO server's own counter, capos_server_recv_submit). */
#define SH_UD_TERM (UINT64_C(1) << 40)		  /* TerminalSession.readLine */
#define SH_UD_WAIT ((UINT64_C(1) << 40) + 0x100u) /* + job slot: ProcessHandle.wait */

/* A cap of a session bundle. */
struct sh_bcap {
	char name[SHELL_NAME_MAX + 1];
	uint64_t interface_id;
	uint32_t cap;
	bool ended; /* of a session that ended: revoked, kept to show CAP_REVOKED */
};

/* A child of the shell. */
struct sh_job {
	bool used;
	bool waiting;	 /* its ProcessHandle.wait is in flight */
	uint32_t number; /* job number the user sees (1..999) */
	uint32_t handle; /* ProcessHandle */
	uint64_t pid;
	char name[SHELL_BINARY_MAX + 1];
	uint64_t wait_res[8]; /* the wait's results */
};

struct sh_state {
	struct capos_ring_client *ring;
	uint32_t terminal; /* TerminalSession */
	uint32_t sessions; /* SessionManager facet */
	uint32_t stdio;	   /* raw endpoint: StdIO served to children */
	uint32_t capmgr;   /* CapabilityManager (own table) */
	uint32_t session;  /* UserSession, CAPOS_CAP_NULL if none */
	int profile;	   /* enum session_SessionProfile of `session` */
	char user[SH_USER_MAX + 1];
	uint32_t nbundle;
	struct sh_bcap bundle[SH_BUNDLE_MAX];
	struct sh_job jobs[SH_JOBS_MAX];
	uint32_t next_job;  /* next job number */
	int fg;		    /* foreground job slot, -1 at the prompt */
	bool quit;	    /* exit requested */
	bool term_pending;  /* a readLine is in flight */
	bool term_hidden;   /* ... with hidden echo */
	bool stdio_pending; /* a RECV is in flight ... */
	uint64_t stdio_ud;  /* ... with this user_data */
	bool stdio_closed;  /* the endpoint failed: no more RECVs */
};

extern struct sh_state sh;

/* ---- call.c */

/* Start empty params (a method declared with `()`) in c. */
int sh_begin_empty(struct capos_client_call *c);

/* The capOS status inside the CapException framed in res[0..len) (its type in *type,
 * may be NULL); CAPOS_ERR_RING_EXCEPTION if it does not decode or carries no status. */
int sh_exception(const void *res, uint32_t len, int *type);

/* Parse framed results res[0..len) of a completed async CALL into *msg. */
int sh_parse_results(struct capnp_msg *msg, struct capnp_segment *segs, const void *res,
		     uint32_t len);

/* Queue and submit (not wait for) a CALL; its completion carries `ud`. The params
 * and result buffers must stay untouched until it completes. Errors: SQ full. */
int sh_submit(uint32_t cap, uint64_t iid, uint16_t method, const void *params, uint32_t plen,
	      void *res, uint32_t res_cap, uint64_t ud);

/* Frame empty params (a `()` method) into buf; the length in *len. */
int sh_frame_empty(void *buf, uint32_t cap, uint32_t *len);

/* Overwrite n bytes at p with zeros in a way the compiler keeps (secrets). */
void sh_wipe(void *p, uint32_t n);

/* RELEASE a cap of the shell's table; a failure is printed. */
void sh_release(uint32_t cap);

/* ---- term.c */

/* Print to the terminal (printf format, "\n" becomes "\r\n"); errors are dropped only
 * after one attempt each: the terminal is the shell's only output. */
void sh_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write raw bytes to the terminal (a child's output). Returns the CALL status. */
int sh_term_write(const void *data, uint32_t len);
/* Write text with each "\n" sent as "\r\n" (a serial terminal needs the CR), in chunks
 * within the terminal's write bound. Errors: sh_term_write's. */
int sh_term_write_text(const char *text, uint32_t len);

/* Print `<what>: <message> (<CODE>)` for a failed status. */
void sh_perror(const char *what, int status);

/* Queue TerminalSession.readLine(hidden) as SH_UD_TERM if none is in flight. */
int sh_term_submit(bool hidden);

/* The terminal read's completion (SH_UD_TERM) decoded into *out. */
int sh_term_complete(const struct capos_cqe *cqe, struct capos_term_read *out);

/* ---- jobs.c */

/* Run the event loop until the terminal delivers a line (or Ctrl-C/Ctrl-D) at the
 * prompt; children's StdIO and exits are served meanwhile. */
int sh_read_line(bool hidden, struct capos_term_read *out);

/* Serve StdIO on sh.stdio, prepare the wait params; no job yet. */
int sh_jobs_init(void);

int sh_cmd_run(const struct shell_command *c);
int sh_cmd_ps(void);
int sh_cmd_kill(const struct shell_command *c);

/* ---- session.c */

int sh_session_anonymous(void);
int sh_cmd_login(void);
int sh_cmd_setup(void);
int sh_cmd_guest(void);
int sh_cmd_logout(void);
/* The shell is leaving its terminal (exit, Ctrl-D): end its session, as logout does, so
 * that caps its children hold from the bundle die with it; prints "session ended" or
 * the error. Returns the logout's status. */
int sh_session_close(void);
int sh_cmd_session(void);

/* The live (else ended) bundle cap named `name` with interface `iid`, or NULL. */
const struct sh_bcap *sh_bundle_find(const char *name, uint64_t iid);

/* ---- info.c */

int sh_cmd_caps(void);
int sh_cmd_motd(void);
int sh_cmd_shutdown(void);
void sh_cmd_help(const struct shell_command *c);

/* "Name" of a schema interface id, or NULL. */
const char *sh_iface_name(uint64_t iid);

#endif
