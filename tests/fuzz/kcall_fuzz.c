/*
 * libFuzzer target for CALL dispatch on the kernel capability objects (kernel/cap/
 * kcall.c and xfer.c with console.c, timer.c, bootpkg.c, vmcap.c and lib/capnp): input
 * byte 0 picks the cap (including forged ids), byte 1 the method (bits 0..2) and the
 * number of transfer descriptors (bits 4..7), bytes 2..3 the result buffer size, then
 * two bytes per descriptor (cap pick; mode bits 0..1, rsvd0 bit 2), the rest are the
 * params exactly as a process would pass them. Promises checked: the CQE status is 0
 * or a known error code, a success never reports more result bytes than the buffer
 * holds, no reservation is left behind and every object's reference count is its
 * creator's plus one per live table entry (no cap lost or duplicated by a transfer,
 * whatever the call's outcome), the VirtualMemory backend only ever sees
 * page-aligned, non-empty ranges inside the anonymous region without W+X, and the
 * console sink never receives more than KCONSOLE_MAX_WRITE + 1 bytes per call.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <kernel/captab.h>
#include <kernel/kcall.h>
#include <kernel/kcaps.h>
#include <schema/capos.capnp.h>

#define UBASE 0x500000ull
#define RES (UBASE + 0x10000)
#define XD (UBASE + 0x18000)
static uint8_t umem[0x20000] __attribute__((aligned(8)));

static void kcall_fuzz_require(int cond)
{
	if (!cond)
		abort();
}

static int fz_in(void *ctx, void *dst, uint64_t ua, uint32_t len)
{
	(void)ctx;
	if (ua < UBASE || ua - UBASE > sizeof(umem) || len > sizeof(umem) - (ua - UBASE))
		return CAPOS_ERR_BAD_ADDRESS;
	memcpy(dst, umem + (ua - UBASE), len);
	return 0;
}

static int fz_out(void *ctx, uint64_t ua, const void *src, uint32_t len)
{
	(void)ctx;
	if (ua < UBASE || ua - UBASE > sizeof(umem) || len > sizeof(umem) - (ua - UBASE))
		return CAPOS_ERR_BAD_ADDRESS;
	memcpy(umem + (ua - UBASE), src, len);
	return 0;
}

static int fz_sink(void *ctx, const char *b, size_t n)
{
	(void)ctx;
	(void)b;
	kcall_fuzz_require(n <= KCONSOLE_MAX_WRITE);
	return 0;
}

static uint64_t fz_now(void *ctx)
{
	(void)ctx;
	return 42;
}

static void fz_range(uint64_t a, uint64_t s)
{
	kcall_fuzz_require(s && !(s & 0xFFF) && !(a & 0xFFF));
	kcall_fuzz_require(a >= CAPOS_USER_ANON_BASE && a < CAPOS_USER_ANON_END &&
			   s <= CAPOS_USER_ANON_END - a);
}

static void fz_prot(unsigned p)
{
	kcall_fuzz_require(p && !((p & KVM_PROT_W) && (p & KVM_PROT_X)));
}

static int fz_map(void *as, uint64_t hint, uint64_t size, unsigned prot, uint64_t *addr)
{
	(void)as;
	if (hint)
		fz_range(hint, size);
	else
		kcall_fuzz_require(size && !(size & 0xFFF));
	fz_prot(prot);
	*addr = hint ? hint : CAPOS_USER_ANON_BASE;
	return 0;
}

static int fz_unmap(void *as, uint64_t a, uint64_t s)
{
	(void)as;
	fz_range(a, s);
	return 0;
}

static int fz_protect(void *as, uint64_t a, uint64_t s, unsigned prot)
{
	(void)as;
	fz_range(a, s);
	fz_prot(prot);
	return 0;
}

static int fz_reserve(void *as, uint64_t hint, uint64_t size, uint64_t *addr)
{
	return fz_map(as, hint, size, KVM_PROT_R, addr);
}

/* commit checks what protect checks, decommit and guard what unmap checks. */
static const struct kvm_backend fz_vm = { fz_map,     fz_unmap, fz_protect, fz_reserve,
					  fz_protect, fz_unmap, fz_unmap };
static const uint8_t manifest[3000] = { 1, 2, 3 };
static const struct kcall_iface *const fz_ifaces[] = { &kconsole_iface, &ktimer_iface,
						       &kbootpkg_iface, &kvm_iface };
static const uint64_t fz_iids[] = { capos_Console_TYPE_ID, capos_Timer_TYPE_ID,
				    capos_BootPackage_TYPE_ID, capos_VirtualMemory_TYPE_ID };

/* The cap a pick names: one of the four held caps, a forged id or a stale one. */
static uint32_t fz_cap(unsigned pick, const uint32_t *ids)
{
	return pick < 4 ? ids[pick] : (pick == 4 ? 0x00050001u : ids[0] ^ 0x10000);
}

/* Exactly-once: each object is referenced by its creator and its live entries only. */
static void fz_check_refs(const struct captab *t, struct kobj *const *objs)
{
	kcall_fuzz_require(t->nreserved == 0 && t->nlive + t->nfree == t->nslots);
	for (int i = 0; i < 4; i++) {
		uint32_t held = 0;
		for (uint32_t s = 0; s < t->nslots; s++)
			held += t->slots[s].state == CAPTAB_LIVE && t->slots[s].obj == objs[i];
		kcall_fuzz_require(kobj_refs(objs[i]) == 1 + held);
	}
}

static bool fz_known(int status)
{
	return status == 0 || strcmp(capos_error_name(status), "unknown") != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct captab t;
	static struct captab_entry slots[8];
	static struct kconsole con;
	static struct ktimer tim;
	static struct kbootpkg bp;
	static struct kvm vm;
	static uint64_t ps[2048], rs[1024];
	uint32_t ids[4];

	if (size < 4 || size - 4 > sizeof(ps))
		return 0;
	(void)captab_init(&t, slots, 8);
	(void)kconsole_init(&con, fz_sink, NULL, NULL);
	(void)ktimer_init(&tim, fz_now, NULL, NULL);
	(void)kbootpkg_init(&bp, manifest, sizeof(manifest), NULL);
	(void)kvm_init(&vm, &fz_vm, NULL, NULL);
	struct kobj *objs[4] = { &con.k, &tim.k, &bp.k, &vm.k };
	for (int i = 0; i < 4; i++) {
		struct captab_item it = { .obj = objs[i],
					  .interface_id = fz_iids[i],
					  .badge = 0,
					  .xfer = CAPTAB_XFER_COPY };
		(void)captab_insert(&t, &it, &ids[i]);
	}
	struct kcall_env env = { .table = &t,
				 .ifaces = fz_ifaces,
				 .nifaces = 4,
				 .copy_in = fz_in,
				 .copy_out = fz_out,
				 .params_scratch = ps,
				 .params_scratch_bytes = sizeof(ps),
				 .results_scratch = rs,
				 .results_scratch_bytes = sizeof(rs) };
	const uint8_t *hdr = data;
	unsigned nx = hdr[1] >> 4;
	struct capos_xfer xd[16];
	if (size < 4 + 2 * nx)
		return 0;
	for (unsigned i = 0; i < nx; i++) {
		uint8_t a = data[4 + 2 * i], b = data[5 + 2 * i];
		xd[i] = (struct capos_xfer){ .cap = fz_cap(a % 6, ids),
					     .mode = b & 3,
					     .rsvd0 = (b >> 2) & 1 };
	}
	memcpy(umem + (XD - UBASE), xd, nx * sizeof(xd[0]));
	data += 4 + 2 * nx;
	size -= 4 + 2 * nx;
	struct ring_op op = { .opcode = CAPOS_OP_CALL,
			      .method = hdr[1] % 8,
			      .cap = fz_cap(hdr[0] % 6, ids),
			      .interface_id = fz_iids[hdr[0] / 6 % 4],
			      .result_addr = RES,
			      .result_len = (uint32_t)(hdr[2] | hdr[3] << 8),
			      .xfer_addr = nx ? XD : 0,
			      .xfer_count = (uint16_t)nx };
	memcpy(umem, data, size);
	op.params_addr = size ? UBASE : 0;
	op.params_len = (uint32_t)size;
	struct capos_cqe cqe = { 0 };
	kcall_exec(&env, &op, &cqe);
	kcall_fuzz_require(fz_known(cqe.status));
	if (cqe.status == 0 || cqe.status == CAPOS_ERR_RING_EXCEPTION)
		kcall_fuzz_require(cqe.result_len <= op.result_len);
	kcall_fuzz_require(cqe.xfer_count == 0); /* no kernel object here returns caps */
	fz_check_refs(&t, objs);
	(void)captab_clear(&t);
	return 0;
}
