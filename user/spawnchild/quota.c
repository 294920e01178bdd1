/*
 * spawnchild's hostile quota behaviours (docs/resources.md, tests/qemu/spawn_tests.py):
 * each exhausts one quota class of the profile user/spawntest spawned it with, prints
 * the exact typed error it got on "console" and exits with SPAWNCHILD_QUOTA_OK when
 * every check held (SPAWNCHILD_QUOTA_BAD otherwise):
 *   "frames-hog" (VirtualMemory): map 64 KiB regions until the frame quota refuses
 *       one (CAPOS_ERR_QUOTA_FRAMES, overloaded); after an unmap the map works again;
 *   "call-hog" (a client facet of the parent's endpoint, nobody RECVs): three CALLs in
 *       one batch with outstandingCalls = 2: the third is refused at once
 *       (CAPOS_ERR_QUOTA_CALLS, overloaded); exits with the two still in flight;
 *   "kid-spawner" (ProcessSpawner) with childProcesses = 1: a spinning grandchild, then
 *       a second spawn (CAPOS_ERR_QUOTA_CHILDREN, overloaded); kill + wait, then a
 *       spawn works; a last napping grandchild outlives this process;
 *   "slot-hog" (a raw Endpoint it owns) with capSlots = 4: Endpoint.client until the
 *       table is full (CAPOS_ERR_CAP_TABLE_FULL, transport); a release makes room.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <capnp/capnp.h>
#include <capos/error.h>
#include <capos/ring.h>
#include <capos/syscall.h>
#include <libcapos/kcaps.h>
#include <libcapos/ring.h>
#include <libcapos/sys.h>
#include <schema/capos.capnp.h>

#include "quota.h"

#define SC_REGION (64u * 1024u) /* one frames-hog map: 16 frames */
#define SC_MAX_REGIONS 256u
#define SC_MAX_FACETS 8u

static uint64_t sc_arena[128], sc_framed[129], sc_res[64];

/* The status inside the CapException answer in sc_res (its type in *type), or a reader
 * error when the answer is not one. */
static int sc_why(uint32_t len, int *type)
{
	const struct capnp_limits lim = { .traversal_words = 256, .nesting = 8 };
	struct capnp_segment one[1];
	struct capos_CapException_r ex;
	struct capnp_msg msg;
	int st = capnp_msg_init_framed(&msg, sc_res, len, one, 1, &lim, NULL);

	if (st == 0)
		st = capos_CapException_read_root(&msg, &ex);
	*type = st ? -1 : (int)capos_CapException_get_type(&ex);
	return st ? st : capos_CapException_get_status(&ex);
}

/* The framed builder into sc_framed: its length, or 0 on a builder error. */
static uint32_t sc_frame(struct capnp_builder *b)
{
	size_t n = 0;

	if (capnp_builder_error(b) ||
	    capnp_builder_write_framed(b, sc_framed, sizeof(sc_framed), &n))
		return 0;
	return (uint32_t)n;
}

/* Frames `b` and CALLs (iid, method) on `cap`, results into sc_res: the CQE status, or
 * for a CapException its own status (its type in *type, else -1). */
static int sc_invoke(uint32_t cap, uint64_t iid, uint16_t method, struct capnp_builder *b,
		     int *type, struct capos_cqe *cqe)
{
	struct capos_ring_client *ring;
	uint32_t len = sc_frame(b);
	int st = len ? capos_ring_self(&ring) : CAPOS_ERR_INVALID;

	*type = -1;
	if (st == 0)
		st = capos_ring_call(ring, cap, iid, method, sc_framed, len, sc_res, sizeof(sc_res),
				     cqe);
	return st == CAPOS_ERR_RING_EXCEPTION ? sc_why(cqe->result_len, type) : st;
}

/* VirtualMemory.map of `size` rw bytes anywhere, as a raw CALL: the exception it got. */
static int sc_map_refused(uint32_t vm, uint64_t size, int *type)
{
	struct capos_VirtualMemory_map_Params_b mp;
	struct capos_Protection_b rw;
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_cqe cqe;

	*type = -1;
	if (capnp_builder_init(&b, &seg, 1, sc_arena, sizeof(sc_arena)) ||
	    capos_VirtualMemory_map_request(&b, &mp) ||
	    capos_VirtualMemory_map_Params_init_prot(&mp, &rw))
		return CAPOS_ERR_INVALID;
	capos_Protection_set_write(&rw, true);
	capos_Protection_set_read(&rw, true);
	capos_VirtualMemory_map_Params_set_size(&mp, size);
	return sc_invoke(vm, capos_VirtualMemory_TYPE_ID, capos_VirtualMemory_METHOD_map, &b, type,
			 &cqe);
}

static const char *sc_overloaded(int type)
{
	return type == capos_ExceptionType_overloaded ? "overloaded" : "not overloaded";
}

int sc_frames_hog(uint32_t vm)
{
	static uint64_t addr[SC_MAX_REGIONS];
	uint32_t n = 0;
	int type;

	while (n < SC_MAX_REGIONS &&
	       capos_vm_map(vm, 0, SC_REGION, CAPOS_VM_READ | CAPOS_VM_WRITE, &addr[n]) == 0)
		n++;
	int why = sc_map_refused(vm, SC_REGION, &type);
	int again = n ? capos_vm_unmap(vm, addr[n - 1], SC_REGION) : CAPOS_ERR_INVALID;
	if (again == 0)
		again = capos_vm_map(vm, 0, SC_REGION, CAPOS_VM_READ | CAPOS_VM_WRITE,
				     &addr[n - 1]);
	printf("spawnchild: frames: %s regions mapped, then %s (%s); after an unmap: %s\n",
	       n > 0 && n < SC_MAX_REGIONS ? "some" : "no", capos_error_name(why),
	       sc_overloaded(type), capos_error_name(again));
	return n > 0 && n < SC_MAX_REGIONS && why == CAPOS_ERR_QUOTA_FRAMES &&
			       type == capos_ExceptionType_overloaded && again == 0
		       ? SPAWNCHILD_QUOTA_OK
		       : SPAWNCHILD_QUOTA_BAD;
}

int sc_call_hog(uint32_t facet)
{
	struct capos_ring_client *ring;
	struct capos_sqe *sqe;
	struct capos_cqe cqe;
	int type;

	if (capos_ring_self(&ring))
		return SPAWNCHILD_QUOTA_BAD;
	for (uint64_t ud = 1; ud <= 3; ud++) {
		if (capos_ring_get_sqe(ring, &sqe))
			return SPAWNCHILD_QUOTA_BAD;
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = CAPOS_OP_CALL;
		sqe->cap = facet;
		sqe->interface_id = capos_Console_TYPE_ID;
		sqe->result_addr = (uint64_t)(uintptr_t)sc_res;
		sqe->result_len = sizeof(sc_res);
		sqe->user_data = ud;
	}
	capos_ring_submit(ring);
	/* Calls 1 and 2 stay in flight (nobody RECVs); call 3 is answered at once. */
	int st = capos_ring_wait(ring, 3, CAPOS_TIMEOUT_INFINITE, &cqe);
	int why = st ? st : cqe.status;
	if (why == CAPOS_ERR_RING_EXCEPTION)
		why = sc_why(cqe.result_len, &type);
	else
		type = -1;
	printf("spawnchild: calls: 2 in flight, the third -> %s (%s)\n", capos_error_name(why),
	       sc_overloaded(type));
	return why == CAPOS_ERR_QUOTA_CALLS && type == capos_ExceptionType_overloaded
		       ? SPAWNCHILD_QUOTA_OK
		       : SPAWNCHILD_QUOTA_BAD;
}

/* ProcessSpawner.spawn of this binary as `name` granted one fresh Timer called `grant`:
 * 0 with the handle in *handle, else the status (the CapException's, type in *type). */
static int sc_spawn(uint32_t spawner, const char *name, const char *grant, uint32_t *handle,
		    int *type)
{
	struct capos_ProcessSpawner_spawn_Params_b sp;
	struct capos_CapGrant_blist one;
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_cqe cqe;

	*type = -1;
	if (capnp_builder_init(&b, &seg, 1, sc_arena, sizeof(sc_arena)) ||
	    capos_ProcessSpawner_spawn_request(&b, &sp) ||
	    capos_ProcessSpawner_spawn_Params_init_grants(&sp, 1, &one))
		return CAPOS_ERR_INVALID;
	struct capos_CapGrant_b g = capos_CapGrant_list_build(&one, 0);
	struct capos_CapGrant_source_b src = capos_CapGrant_init_source(&g);
	capos_CapGrant_source_set_kernel(&src, capos_KernelCapSource_timer);
	(void)capos_CapGrant_set_name(&g, grant, (uint32_t)strlen(grant));
	(void)capos_ProcessSpawner_spawn_Params_set_binaryName(&sp, "spawnchild", 10);
	(void)capos_ProcessSpawner_spawn_Params_set_name(&sp, name, (uint32_t)strlen(name));
	int st = sc_invoke(spawner, capos_ProcessSpawner_TYPE_ID, capos_ProcessSpawner_METHOD_spawn,
			   &b, type, &cqe);
	if (st || cqe.xfer_count != 1)
		return st ? st : CAPOS_ERR_INVALID;
	*handle = ((const struct capos_xfer_result *)((const uint8_t *)sc_res + cqe.result_len -
						      sizeof(struct capos_xfer_result)))
			  ->cap;
	return CAPOS_OK;
}

/* RELEASE of `cap`: the CQE status. */
static int sc_release(uint32_t cap)
{
	struct capos_ring_client *ring;
	int st = capos_ring_self(&ring);

	return st ? st : capos_ring_release(ring, cap);
}

/* kill (if asked), then wait on `handle` and release it: the child's exit code. */
static int64_t sc_end(uint32_t handle, int kill)
{
	struct capos_ring_client *ring;
	struct capos_ProcessHandle_wait_Results_r r;
	struct capnp_segment one[1];
	const struct capnp_limits lim = { .traversal_words = 64, .nesting = 4 };
	struct capnp_msg msg;
	struct capos_cqe cqe;
	int64_t code = -100;

	if (capos_ring_self(&ring))
		return code;
	if (kill)
		(void)capos_ring_call(ring, handle, capos_ProcessHandle_TYPE_ID,
				      capos_ProcessHandle_METHOD_kill, NULL, 0, NULL, 0, &cqe);
	if (capos_ring_call(ring, handle, capos_ProcessHandle_TYPE_ID,
			    capos_ProcessHandle_METHOD_wait, NULL, 0, sc_res, sizeof(sc_res),
			    &cqe) == 0 &&
	    capnp_msg_init_framed(&msg, sc_res, cqe.result_len, one, 1, &lim, NULL) == 0 &&
	    capos_ProcessHandle_wait_Results_read_root(&msg, &r) == 0)
		code = capos_ProcessHandle_wait_Results_get_exitCode(&r);
	(void)sc_release(handle);
	return code;
}

int sc_kid_spawner(uint32_t spawner)
{
	uint32_t a = 0, c = 0, d = 0, unused = 0;
	int ta, tb, tc, td;
	int sa = sc_spawn(spawner, "kid-a", "spin", &a, &ta);
	int sb = sc_spawn(spawner, "kid-b", "spin", &unused, &tb);
	int64_t killed = sa == 0 ? sc_end(a, 1) : 0;
	int sc = sc_spawn(spawner, "kid-c", "plain", &c, &tc);
	int64_t code = sc == 0 ? sc_end(c, 0) : 0;
	int sd = sc_spawn(spawner, "kid-d", "nap", &d, &td); /* outlives us */

	printf("spawnchild: children: one live, the second -> %s (%s); after kill+wait: %s "
	       "(exit %lld); a napping one left behind: %s\n",
	       capos_error_name(sb), sc_overloaded(tb), capos_error_name(sc), (long long)code,
	       capos_error_name(sd));
	return sa == 0 && killed == -1 && sb == CAPOS_ERR_QUOTA_CHILDREN &&
			       tb == capos_ExceptionType_overloaded && sc == 0 && code == 42 &&
			       sd == 0
		       ? SPAWNCHILD_QUOTA_OK
		       : SPAWNCHILD_QUOTA_BAD;
}

/* Endpoint.client on the raw endpoint `ep`: 0 with the new facet in *facet, or the
 * CQE status (CAP_TABLE_FULL is a transport status: no CapException). */
static int sc_client(uint32_t ep, uint32_t *facet)
{
	struct capos_Endpoint_client_Params_b cp;
	struct capnp_builder b;
	struct capnp_bseg seg;
	struct capos_cqe cqe;
	int type;

	if (capnp_builder_init(&b, &seg, 1, sc_arena, sizeof(sc_arena)) ||
	    capos_Endpoint_client_request(&b, &cp))
		return CAPOS_ERR_INVALID;
	capos_Endpoint_client_Params_set_interfaceId(&cp, capos_Console_TYPE_ID);
	int st = sc_invoke(ep, capos_Endpoint_TYPE_ID, capos_Endpoint_METHOD_client, &b, &type,
			   &cqe);
	return st ? st
		  : capos_ring_result_cap(&cqe, sc_res, sizeof(sc_res), 0, capos_Console_TYPE_ID,
					  facet);
}

int sc_slot_hog(uint32_t ep)
{
	uint32_t facet[SC_MAX_FACETS], n = 0;
	int full;

	while ((full = sc_client(ep, &facet[n])) == 0 && n + 1 < SC_MAX_FACETS)
		n++;
	int room = n > 0 ? sc_release(facet[n - 1]) : CAPOS_ERR_INVALID;
	if (room == 0)
		room = sc_client(ep, &facet[n - 1]);
	printf("spawnchild: slots: %u facets minted, then %s; after a release: %s\n", (unsigned)n,
	       capos_error_name(full), capos_error_name(room));
	return n == 2 && full == CAPOS_ERR_CAP_TABLE_FULL && room == 0 ? SPAWNCHILD_QUOTA_OK
								       : SPAWNCHILD_QUOTA_BAD;
}
