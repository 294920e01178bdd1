/*
 * The SessionManager's pure state (user/sessmgr/sesstab.c), host-tested in
 * tests/host/session/sesstab_test.c: the login throttle, the session table and
 * session ids.
 *
 * Throttle, per user name (the name tried, whether or not it exists): the first
 * SESS_THROTTLE_FREE failures cost nothing; from then on every attempt must wait
 * sess_throttle_delay(failures) after the last failure: 1 s, doubling per further
 * failure, capped at SESS_THROTTLE_CAP_NS. A success clears the name. The table holds
 * SESS_THROTTLE_USERS names; when full, the entry whose last failure is oldest is
 * reused (a flood of other names can reset a name's count: documented limit).
 *
 * Sessions: one table entry per session until it ends; an ended entry stays (info
 * answers active=false) until its slot is needed again. A terminal (the badge of the
 * SessionManager facet the shell calls through) has at most one active session.
 *
 * Ids: sess_id_make(counter, random) = random's low 31 bits above a 32-bit boot
 * counter that starts at 1: unique for the boot by the counter alone, unguessable when
 * the random part comes from the EntropySource (0 without one).
 */
#ifndef SESSMGR_SESSTAB_H
#define SESSMGR_SESSTAB_H

#include <stdint.h>

#define SESS_USER_MAX 32u		    /* user name bytes */
#define SESS_SESSIONS 16u		    /* table entries (active + ended) */
#define SESS_THROTTLE_USERS 8u		    /* names tracked */
#define SESS_THROTTLE_FREE 3u		    /* failures before any delay */
#define SESS_THROTTLE_BASE_NS 1000000000ull /* first delay: 1 s */
#define SESS_THROTTLE_CAP_NS 64000000000ull /* longest delay: 64 s */

struct sess_throttle_entry {
	char user[SESS_USER_MAX];
	uint32_t user_len; /* 0: free */
	uint32_t failures; /* consecutive failures */
	uint64_t last_ns;  /* time of the last failure */
};

struct sess_throttle {
	struct sess_throttle_entry e[SESS_THROTTLE_USERS];
};

struct sess_entry {
	uint64_t id;	   /* 0: free */
	uint64_t terminal; /* badge of the SessionManager facet that started it */
	uint64_t started_ns;
	uint32_t profile; /* SessionProfile */
	uint8_t active;	  /* not ended */
	uint8_t bundled;  /* the broker holds roots for it (endSession needed) */
	uint8_t user_len;
	char user[SESS_USER_MAX];
};

struct sess_table {
	struct sess_entry s[SESS_SESSIONS];
	uint32_t counter; /* ids made so far */
};

/* The delay owed after `failures` consecutive failures (0 while within the free ones). */
uint64_t sess_throttle_delay(uint32_t failures);

/* 0 if `user` may try now, else the nanoseconds left to wait. */
uint64_t sess_throttle_check(const struct sess_throttle *t, const char *user, uint32_t len,
			     uint64_t now_ns);

/* Count a failure of `user` at now_ns (len 1..SESS_USER_MAX). */
void sess_throttle_fail(struct sess_throttle *t, const char *user, uint32_t len, uint64_t now_ns);

/* Forget `user`'s failures (after a success). */
void sess_throttle_clear(struct sess_throttle *t, const char *user, uint32_t len);

/* 1 if `user` is a valid name: 1..SESS_USER_MAX bytes of printable ASCII, no space. */
int sess_user_ok(const char *user, uint32_t len);

/* The id of the next session: unique per table (counter), random bits on top. */
uint64_t sess_id_make(struct sess_table *t, uint32_t random);

/* The entry of session `id` (active or ended), or NULL. */
struct sess_entry *sess_find(struct sess_table *t, uint64_t id);

/* The active session of `terminal`, or NULL. */
struct sess_entry *sess_active_of(struct sess_table *t, uint64_t terminal);

/*
 * A new active entry (id, terminal, profile, user, start time) in a free slot, else in
 * the ended entry that started first.
 * The terminal must have no active session (end it first).
 * Errors: CAPOS_ERR_SESSION_TABLE_FULL (every slot active), CAPOS_ERR_SESSION_USER_NAME
 * (user over SESS_USER_MAX).
 */
int sess_start(struct sess_table *t, uint64_t id, uint64_t terminal, uint32_t profile,
	       const char *user, uint32_t len, uint64_t now_ns, struct sess_entry **out);

#endif
