/*
 * capOS ABI v1: the capability ring. Every thread owns one 4 KiB ring page mapped in
 * its process (address in RDI at entry, see syscall.h; fixed region in layout.h):
 *
 *   0x000 .. 0x3FF  struct capos_ring_header (geometry, user-written line,
 *                   kernel-written line, reserved)
 *   0x400 .. 0x7FF  submission queue: CAPOS_RING_SQ_ENTRIES x struct capos_sqe (64 B)
 *   0x800 .. 0xFFF  completion queue: CAPOS_RING_CQ_ENTRIES x struct capos_cqe (32 B)
 *
 * Indices are free-running 32-bit counters; slot = index & mask. Userspace produces
 * SQEs (writes the entry, then advances sq_tail with a release store) and consumes
 * CQEs (reads the entry, then advances cq_head). The kernel consumes SQEs inside
 * cap_enter and produces CQEs. The kernel never trusts the page: it keeps its own
 * copies of sq_head, cq_tail and the geometry, reads sq_tail, cq_head and user_flags
 * once per cap_enter, rejects an inconsistent snapshot with CAPOS_ERR_RING_CORRUPT,
 * and reads each SQE word once (a NOP is checked in registers, anything else is
 * copied into kernel memory before it is validated). docs/abi.md has the
 * reasoning, the per-opcode field table and the error layers.
 *
 * Self-contained (fixed-width types only); compiled by the kernel, userspace and host
 * tests alike. Every size and offset is pinned by a static assertion.
 */
#ifndef CAPOS_RING_H
#define CAPOS_RING_H

#include <stddef.h>
#include <stdint.h>

#include <capos/capid.h>

#define CAPOS_ABI_VERSION 1u

#define CAPOS_RING_MAGIC 0x474E5243u /* "CRNG" little-endian */
#define CAPOS_RING_PAGE_SIZE 0x1000u
#define CAPOS_RING_HEADER_SIZE 0x400u
#define CAPOS_RING_SQ_OFFSET 0x400u
#define CAPOS_RING_CQ_OFFSET 0x800u
#define CAPOS_RING_SQ_ENTRIES 16u
#define CAPOS_RING_CQ_ENTRIES 64u
#define CAPOS_RING_SQ_MASK (CAPOS_RING_SQ_ENTRIES - 1u)
#define CAPOS_RING_CQ_MASK (CAPOS_RING_CQ_ENTRIES - 1u)
#define CAPOS_SQE_SIZE 64u
#define CAPOS_CQE_SIZE 32u

/* ---- opcodes (struct capos_sqe.opcode); numbers are ABI and never reused ---- */
#define CAPOS_OP_INVALID 0u	 /* never valid: a zeroed SQE is rejected, not run */
#define CAPOS_OP_NOP 1u		 /* complete at once with status 0 */
#define CAPOS_OP_CALL 2u	 /* invoke (interface_id, method) on cap */
#define CAPOS_OP_RELEASE 3u	 /* drop cap from the caller's table */
#define CAPOS_OP_RECV 4u	 /* endpoint owner waits for a call (docs/ipc.md) */
#define CAPOS_OP_RETURN 5u	 /* endpoint owner answers call aux (docs/ipc.md) */
#define CAPOS_OP_PARK 6u	 /* wait while the 32-bit word at addr == aux (docs/sync.md) */
#define CAPOS_OP_UNPARK 7u	 /* wake up to aux waiters parked on the word at addr */
#define CAPOS_OP_TIMEOUT 8u	 /* reserved: complete after a relative/absolute time */
#define CAPOS_OP_LINK_TIMEOUT 9u /* reserved: bound the linked previous SQE */
#define CAPOS_OP_FINISH 10u	 /* reserved: release a pipelined answer */
#define CAPOS_OP_CANCEL 11u	 /* reserved: cancel an in-flight op by user_data */
/* 12 .. 255 unassigned. Kernels accept NOP, CALL, RELEASE, RECV, RETURN, PARK and
 * UNPARK; every other value completes with CAPOS_ERR_RING_BAD_OPCODE. */
#define CAPOS_OP_COUNT 12u

/* ---- SQE flags (struct capos_sqe.flags) ---- */
#define CAPOS_SQE_F_PIPELINE 0x0001u  /* reserved: cap names a promised answer */
#define CAPOS_SQE_F_LINK 0x0002u      /* reserved: next SQE starts after this one */
#define CAPOS_SQE_F_MULTISHOT 0x0004u /* reserved: RECV stays armed */
#define CAPOS_SQE_F_EXCEPTION 0x0008u /* RETURN payload is a CapException */
/* Flags a kernel accepts besides EXCEPTION on RETURN (none). Others:
 * CAPOS_ERR_RING_BAD_FLAGS. */
#define CAPOS_SQE_F_V1_ACCEPTED 0x0000u

/*
 * Submission queue entry, 64 bytes. Fields an opcode does not use must be zero
 * (CAPOS_ERR_RING_RESERVED_NONZERO), so a later revision can give them meaning.
 * Per opcode (v1): NOP uses user_data only; CALL uses cap, interface_id, method,
 * addr/len (params message, both 0 for "no params"), result_addr/result_len (both 0
 * when no results are wanted), xfer_addr/xfer_count (both 0 when no caps are sent),
 * user_data; RELEASE uses cap, user_data; PARK uses cap (a ParkSpace or bound
 * SharedParkSpace), addr (the word: a user address, or a byte offset into the shared
 * space's MemoryObject; 4-byte aligned), aux (the expected value), result_addr (the
 * timeout in ns, CAPOS_TIMEOUT_INFINITE: none), user_data; UNPARK uses cap, addr, aux
 * (waiters to wake at most; CAPOS_UNPARK_ALL: every one), user_data. docs/sync.md.
 */
struct capos_sqe {
	uint8_t opcode;	       /* 0x00 CAPOS_OP_* */
	uint8_t rsvd0;	       /* 0x01 must be zero */
	uint16_t flags;	       /* 0x02 CAPOS_SQE_F_* */
	uint32_t cap;	       /* 0x04 target cap id (CALL, RELEASE, RECV, PARK, UNPARK) */
	uint64_t interface_id; /* 0x08 CALL: the interface the caller believes cap has */
	uint64_t addr;	       /* 0x10 CALL/RETURN: params/results bytes; PARK/UNPARK:
	                         *      the user word */
	uint32_t len;	       /* 0x18 bytes at addr */
	uint16_t method;       /* 0x1C CALL: method ordinal within interface_id */
	uint16_t xfer_count;   /* 0x1E CALL: number of struct capos_xfer at xfer_addr */
	uint64_t result_addr;  /* 0x20 CALL/RECV: result buffer; PARK: timeout in ns */
	uint32_t result_len;   /* 0x28 CALL/RECV: capacity of the result buffer */
	uint32_t aux;	       /* 0x2C RETURN: call id; PARK: expected word value;
	                         *      UNPARK: max waiters; PIPELINE: result-cap index */
	uint64_t xfer_addr;    /* 0x30 CALL: array of struct capos_xfer (0 with count 0) */
	uint64_t user_data;    /* 0x38 copied unchanged into the completion */
};

/* PARK success values (cqe.status >= 0): woken by an UNPARK, or never parked because
 * the word did not hold the expected value. A timeout is CAPOS_ERR_RING_TIMED_OUT.
 * UNPARK's success value is the number of waiters it woke. */
#define CAPOS_PARK_WOKEN 0
#define CAPOS_PARK_VALUE_CHANGED 1
#define CAPOS_UNPARK_ALL 0xFFFFFFFFu /* UNPARK aux: wake every waiter on the word */

/* CQE flags (struct capos_cqe.flags). */
#define CAPOS_CQE_F_MORE 0x0001u /* reserved: a multishot op will complete again */
#define CAPOS_CQE_F_XFER 0x0002u /* xfer_count caps arrived with the results */

/*
 * Completion queue entry, 32 bytes. status >= 0 is the opcode's success value (0 for
 * NOP, CALL and RELEASE in v1); status < 0 is a code from include/capos/error.h
 * (transport layer, or CAPOS_ERR_RING_EXCEPTION when the results hold a CapException).
 */
struct capos_cqe {
	uint64_t user_data;  /* 0x00 the SQE's user_data */
	int32_t status;	     /* 0x08 >= 0 success value, < 0 CAPOS_ERR_* */
	uint32_t result_len; /* 0x0C bytes written at result_addr; with
	                       *      CAPOS_ERR_RING_RESULT_TOO_SMALL: bytes needed */
	uint32_t call_id;    /* 0x10 RECV: id to RETURN to; otherwise 0 */
	uint16_t flags;	     /* 0x14 CAPOS_CQE_F_* */
	uint16_t xfer_count; /* 0x16 cap records written after the results (transfer) */
	uint64_t badge;	     /* 0x18 RECV: receiver metadata of the invoked facet; else 0 */
};

/*
 * What a completed RECV writes at result_addr: this header, then the call's params
 * (params_len bytes, opaque to the kernel: normally a framed Cap'n Proto message).
 * cqe.result_len = 16 + params_len, cqe.call_id = the id to RETURN, cqe.badge = the
 * badge of the facet cap the caller invoked. docs/ipc.md.
 */
struct capos_recv_header {
	uint64_t interface_id; /* 0x00 the interface the caller invoked (the facet's) */
	uint16_t method;       /* 0x08 method ordinal within interface_id */
	uint16_t rsvd0;	       /* 0x0A zero */
	uint32_t params_len;   /* 0x0C params bytes after the header */
};

/* Header status bits (capos_ring_header.status, kernel-written). */
#define CAPOS_RING_ST_CORRUPT 0x0001u /* last cap_enter rejected the header */
#define CAPOS_RING_ST_CQ_FULL 0x0002u /* SQEs left queued because the CQ was full */

/*
 * Ring header, 1 KiB. Line 0 is geometry, written once by the kernel when the ring
 * is created and never read back by it. Line 1 is written by userspace only; line 2
 * by the kernel only (the kernel rewrites it from its private copies on every
 * cap_enter, so user scribbles there are repaired, never trusted). The rest is
 * reserved and zero.
 */
struct capos_ring_header {
	/* 0x00: geometry (kernel-written at creation) */
	uint32_t magic;	      /* 0x00 CAPOS_RING_MAGIC */
	uint16_t version;     /* 0x04 CAPOS_ABI_VERSION */
	uint16_t header_size; /* 0x06 CAPOS_RING_HEADER_SIZE */
	uint32_t sq_entries;  /* 0x08 CAPOS_RING_SQ_ENTRIES */
	uint32_t cq_entries;  /* 0x0C CAPOS_RING_CQ_ENTRIES */
	uint32_t sq_mask;     /* 0x10 sq_entries - 1 */
	uint32_t cq_mask;     /* 0x14 cq_entries - 1 */
	uint32_t sq_offset;   /* 0x18 byte offset of the SQ in the page */
	uint32_t cq_offset;   /* 0x1C byte offset of the CQ in the page */
	uint16_t sqe_size;    /* 0x20 CAPOS_SQE_SIZE */
	uint16_t cqe_size;    /* 0x22 CAPOS_CQE_SIZE */
	uint32_t features;    /* 0x24 CAPOS_RING_FEAT_* (none in v1) */
	uint32_t thread_id;   /* 0x28 owning thread (0 for a process's first thread) */
	uint32_t rsvd_geo[5]; /* 0x2C zero */
	/* 0x40: written by userspace */
	uint32_t sq_tail;	/* 0x40 next SQ index userspace will fill */
	uint32_t cq_head;	/* 0x44 next CQ index userspace will read */
	uint32_t user_flags;	/* 0x48 must be zero in v1 (else CAPOS_ERR_RING_CORRUPT) */
	uint32_t rsvd_user[13]; /* 0x4C never read by the kernel */
	/* 0x80: written by the kernel */
	uint32_t sq_head;	  /* 0x80 next SQ index the kernel will consume */
	uint32_t cq_tail;	  /* 0x84 next CQ index the kernel will fill */
	uint32_t cq_overflow;	  /* 0x88 times a completion or SQE found the CQ full */
	uint32_t status;	  /* 0x8C CAPOS_RING_ST_* after the last cap_enter */
	uint32_t rsvd_kernel[12]; /* 0x90 zero */
	uint8_t rsvd[CAPOS_RING_HEADER_SIZE - 0xC0]; /* 0xC0 zero */
};

/* The whole ring page. */
struct capos_ring {
	struct capos_ring_header hdr;		    /* 0x000 */
	struct capos_sqe sq[CAPOS_RING_SQ_ENTRIES]; /* 0x400 */
	struct capos_cqe cq[CAPOS_RING_CQ_ENTRIES]; /* 0x800 */
};

/*
 * Transfer descriptor: sqe.xfer_addr points at xfer_count (1..CAPOS_XFER_MAX) of these
 * on CALL (and RETURN, with endpoints). Descriptor i is capnp capability index i of
 * the params message. Contract and errors: docs/abi.md §8.
 */
#define CAPOS_XFER_COPY 0u /* sender keeps its cap */
#define CAPOS_XFER_MOVE 1u /* sender's slot is released when the transfer commits */
#define CAPOS_XFER_MAX 16u /* descriptors per SQE; result-cap records per CQE */

struct capos_xfer {
	uint32_t cap;	/* 0x0 sender's cap id */
	uint16_t mode;	/* 0x4 CAPOS_XFER_* */
	uint16_t rsvd0; /* 0x6 zero */
	uint64_t rsvd1; /* 0x8 zero */
};

/* One received cap (CAPOS_CQE_F_XFER): cqe.xfer_count records end the result bytes,
 * i.e. record i is at result_addr + cqe.result_len - 16 * (xfer_count - i). Record i
 * is capnp capability index i of the results message. */
struct capos_xfer_result {
	uint32_t cap;	       /* 0x0 receiver's new cap id */
	uint32_t rsvd0;	       /* 0x4 zero */
	uint64_t interface_id; /* 0x8 interface of the received cap */
};

/* ---- layout pins ---- */
#define CAPOS_RING_ASSERT_OFF(type, field, off)                                                    \
	_Static_assert(offsetof(type, field) == (off), #type "." #field " offset")

_Static_assert(sizeof(struct capos_sqe) == CAPOS_SQE_SIZE, "SQE size");
CAPOS_RING_ASSERT_OFF(struct capos_sqe, opcode, 0x00);
CAPOS_RING_ASSERT_OFF(struct capos_sqe, rsvd0, 0x01);
CAPOS_RING_ASSERT_OFF(struct capos_sqe, flags, 0x02);
CAPOS_RING_ASSERT_OFF(struct capos_sqe, cap, 0x04);
CAPOS_RING_ASSERT_OFF(struct capos_sqe, interface_id, 0x08);
CAPOS_RING_ASSERT_OFF(struct capos_sqe, addr, 0x10);
CAPOS_RING_ASSERT_OFF(struct capos_sqe, len, 0x18);
CAPOS_RING_ASSERT_OFF(struct capos_sqe, method, 0x1C);
CAPOS_RING_ASSERT_OFF(struct capos_sqe, xfer_count, 0x1E);
CAPOS_RING_ASSERT_OFF(struct capos_sqe, result_addr, 0x20);
CAPOS_RING_ASSERT_OFF(struct capos_sqe, result_len, 0x28);
CAPOS_RING_ASSERT_OFF(struct capos_sqe, aux, 0x2C);
CAPOS_RING_ASSERT_OFF(struct capos_sqe, xfer_addr, 0x30);
CAPOS_RING_ASSERT_OFF(struct capos_sqe, user_data, 0x38);

_Static_assert(sizeof(struct capos_cqe) == CAPOS_CQE_SIZE, "CQE size");
CAPOS_RING_ASSERT_OFF(struct capos_cqe, user_data, 0x00);
CAPOS_RING_ASSERT_OFF(struct capos_cqe, status, 0x08);
CAPOS_RING_ASSERT_OFF(struct capos_cqe, result_len, 0x0C);
CAPOS_RING_ASSERT_OFF(struct capos_cqe, call_id, 0x10);
CAPOS_RING_ASSERT_OFF(struct capos_cqe, flags, 0x14);
CAPOS_RING_ASSERT_OFF(struct capos_cqe, xfer_count, 0x16);
CAPOS_RING_ASSERT_OFF(struct capos_cqe, badge, 0x18);

_Static_assert(sizeof(struct capos_recv_header) == 16, "RECV header size");
CAPOS_RING_ASSERT_OFF(struct capos_recv_header, interface_id, 0x0);
CAPOS_RING_ASSERT_OFF(struct capos_recv_header, method, 0x8);
CAPOS_RING_ASSERT_OFF(struct capos_recv_header, rsvd0, 0xA);
CAPOS_RING_ASSERT_OFF(struct capos_recv_header, params_len, 0xC);

_Static_assert(sizeof(struct capos_ring_header) == CAPOS_RING_HEADER_SIZE, "header size");
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, magic, 0x00);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, version, 0x04);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, header_size, 0x06);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, sq_entries, 0x08);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, cq_entries, 0x0C);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, sq_mask, 0x10);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, cq_mask, 0x14);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, sq_offset, 0x18);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, cq_offset, 0x1C);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, sqe_size, 0x20);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, cqe_size, 0x22);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, features, 0x24);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, thread_id, 0x28);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, rsvd_geo, 0x2C);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, sq_tail, 0x40);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, cq_head, 0x44);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, user_flags, 0x48);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, rsvd_user, 0x4C);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, sq_head, 0x80);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, cq_tail, 0x84);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, cq_overflow, 0x88);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, status, 0x8C);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, rsvd_kernel, 0x90);
CAPOS_RING_ASSERT_OFF(struct capos_ring_header, rsvd, 0xC0);

_Static_assert(sizeof(struct capos_ring) == CAPOS_RING_PAGE_SIZE, "ring is one page");
CAPOS_RING_ASSERT_OFF(struct capos_ring, hdr, 0x000);
CAPOS_RING_ASSERT_OFF(struct capos_ring, sq, CAPOS_RING_SQ_OFFSET);
CAPOS_RING_ASSERT_OFF(struct capos_ring, cq, CAPOS_RING_CQ_OFFSET);
_Static_assert((CAPOS_RING_SQ_ENTRIES & CAPOS_RING_SQ_MASK) == 0, "SQ size power of two");
_Static_assert((CAPOS_RING_CQ_ENTRIES & CAPOS_RING_CQ_MASK) == 0, "CQ size power of two");
_Static_assert(CAPOS_RING_CQ_ENTRIES >= 2 * CAPOS_RING_SQ_ENTRIES, "CQ holds two full SQ batches");

_Static_assert(sizeof(struct capos_xfer) == 16, "xfer descriptor size");
_Static_assert(CAPOS_XFER_MAX <= 0xFFFFu, "xfer_count is 16 bits");
CAPOS_RING_ASSERT_OFF(struct capos_xfer, cap, 0x0);
CAPOS_RING_ASSERT_OFF(struct capos_xfer, mode, 0x4);
CAPOS_RING_ASSERT_OFF(struct capos_xfer, rsvd0, 0x6);
CAPOS_RING_ASSERT_OFF(struct capos_xfer, rsvd1, 0x8);
_Static_assert(sizeof(struct capos_xfer_result) == 16, "xfer result size");
CAPOS_RING_ASSERT_OFF(struct capos_xfer_result, cap, 0x0);
CAPOS_RING_ASSERT_OFF(struct capos_xfer_result, rsvd0, 0x4);
CAPOS_RING_ASSERT_OFF(struct capos_xfer_result, interface_id, 0x8);

#endif
