/*
 * TLS block placement for the ELF loader (kernel/tls.h): the same arithmetic as
 * libcapos's capos_tls_plan/capos_tls_install (the user runtime's reference), over
 * user addresses instead of pointers. Pure; host-tested against the reference.
 */
#include <kernel/tls.h>

#include <capos/error.h>

#define TLS_PAGE 4096ull
#define TLS_MIN_TP_ALIGN 16ull

int tls_layout(uint64_t vaddr, uint64_t memsz, uint64_t align, uint64_t base,
	       struct tls_layout *out)
{
	uint64_t a = align == 0 ? 1 : align, tp_align, tp, end;

	if ((a & (a - 1)) != 0 || a > TLS_PAGE)
		return CAPOS_ERR_INVALID;
	if (memsz > UINT64_MAX / 4)
		return CAPOS_ERR_OVERFLOW;
	/* Variant II: the block ends at tp; keep block == vaddr (mod align). */
	out->offset = memsz + ((0 - memsz - vaddr) & (a - 1));
	tp_align = a > TLS_MIN_TP_ALIGN ? a : TLS_MIN_TP_ALIGN;
	/* Everything below fits in [base, base + need); need cannot wrap (bounds above). */
	uint64_t need = out->offset + tp_align + TLS_TCB_SIZE + TLS_PAGE;
	if (need > UINT64_MAX - base)
		return CAPOS_ERR_OVERFLOW;
	tp = (base + out->offset + tp_align - 1) & ~(tp_align - 1);
	end = tp + TLS_TCB_SIZE;
	out->tp = tp;
	out->block = tp - out->offset;
	out->map_size = ((end - base) + TLS_PAGE - 1) & ~(TLS_PAGE - 1);
	return CAPOS_OK;
}
