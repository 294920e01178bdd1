/*
 * Shared by user/spawntest's files: the spawn request it builds and the helpers of
 * main.c that the quota steps (quota.c) reuse.
 */
#ifndef SPAWNTEST_H
#define SPAWNTEST_H

#include <stdint.h>

#include <capos/ring.h>

#define SPAWNTEST_MAX_GRANTS 40u
#define SPAWNTEST_MAX_XFER CAPOS_XFER_MAX
#define ST_TRANSPORT (-1) /* st_hostile: a transport status, no CapException */

struct st_grant {
	const char *name;
	int held;	 /* 1: caps_in index `index`; 0: kernel source `source` */
	uint16_t source; /* enum capos_KernelCapSource */
	uint32_t index;
	uint16_t mode; /* enum capos_TransferMode */
	uint64_t iid;  /* interfaceId: facets and endpoint sources */
	uint64_t badge;
};

struct st_spawn {
	const char *name, *binary, *profile;
	uint32_t ngrants;
	struct st_grant grants[SPAWNTEST_MAX_GRANTS];
	uint32_t nxfer;
	struct capos_xfer xfer[SPAWNTEST_MAX_XFER];
};

struct capnp_msg;

extern uint32_t st_console, st_ep; /* init's Console and raw Endpoint */
extern uint32_t st_capmgr;	   /* init's CapabilityManager */
extern uint32_t st_export_cap;	   /* the first export of the last spawn, or 0 */
extern int st_last_type;	   /* the last CapException type, -1 if none */

int st_spawn(const struct st_spawn *s, uint32_t *handle, uint64_t *pid);
int st_wait(uint32_t handle, int64_t *code, int *killed);
int st_kill(uint32_t handle);
int st_release(uint32_t cap);
void st_check(const char *what, int ok);
struct st_spawn *st_plain(const char *name);
void st_kernel_grant(struct st_spawn *s, const char *name, uint16_t source);
void st_endpoint_grant(struct st_spawn *s, const char *name, uint64_t iid);
void st_facet_grant(struct st_spawn *s, const char *name, uint32_t ep, uint64_t iid,
		    uint64_t badge);
int st_run(const struct st_spawn *s, int64_t want_code, uint64_t *pid);
void st_hostile(const char *what, const struct st_spawn *s, int want, int type);
const char *st_type_name(int type);
/* A CALL without params submitted without waiting for it (the kernel may defer it),
 * results into res[0..res_len) or, res NULL, the shared result buffer; its user_data. */
int st_call_async(uint32_t cap, uint64_t iid, uint16_t method, void *res, uint32_t res_len,
		  uint64_t *ud);
/* The completion of st_call_async's `ud`: its status (a CapException's own status, read
 * from the shared result buffer, type in st_last_type). */
int st_collect(uint64_t ud, struct capos_cqe *cqe);
/* A CALL without params into the shared result buffer: status (a CapException's). */
int st_call(uint32_t cap, uint64_t iid, uint16_t method, struct capos_cqe *cqe);
/* The framed results of the last st_call. */
int st_read_results(const struct capos_cqe *cqe, struct capnp_msg *m);

/* The quota steps (quota.c). */
void st_test_quota_classes(void);

#endif
