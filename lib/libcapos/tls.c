/*
 * TLS block and TCB placement (layout in include/capos/tls.h, the same arithmetic the
 * kernel's loader uses for thread 0). Pure functions over caller-provided memory: a
 * future thread-spawn helper uses them on memory from VirtualMemory, the Linux test
 * shim for thread 0, and tests/host/libcapos compiles this file unchanged.
 */
#include <libcapos/tls.h>

#include <capos/error.h>
#include <string.h>

static int is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

int capos_tls_plan(const struct capos_tls_image *img, struct capos_tls_plan *plan)
{
	uint64_t align = img->align == 0 ? 1 : img->align;

	if (!is_pow2(align) || img->filesz > img->memsz)
		return CAPOS_ERR_INVALID;
	if (img->memsz > CAPOS_TLS_MAX_SIZE || align > CAPOS_TLS_MAX_ALIGN)
		return CAPOS_ERR_OUT_OF_RANGE;
	if (img->vaddr + img->filesz < img->vaddr)
		return CAPOS_ERR_OVERFLOW;

	/* Variant II: the block ends at tp, rounded so that the image's alignment
	 * congruence (p_vaddr mod p_align) is preserved, as linkers assume. */
	plan->offset = (size_t)capos_tls_offset(img->memsz, img->vaddr, align);
	plan->tp_align = (size_t)capos_tls_tp_align(align);
	/* Both terms are bounded by the limits checked above: no overflow. */
	plan->area_size = plan->offset + plan->tp_align - 1 + sizeof(struct capos_tcb);
	return CAPOS_OK;
}

int capos_tls_install(const struct capos_tls_image *img, const struct capos_tls_plan *plan,
		      void *area, size_t area_size, uint64_t guard, struct capos_tcb **tp)
{
	uintptr_t base = (uintptr_t)area;
	uintptr_t tpa;
	unsigned char *block;
	struct capos_tcb *tcb;

	if (area_size < plan->area_size || base + area_size < base)
		return CAPOS_ERR_BUFFER_TOO_SMALL;

	tpa = (uintptr_t)capos_tls_tp(base, plan->offset, plan->tp_align);
	block = (unsigned char *)(tpa - plan->offset);
	tcb = (struct capos_tcb *)tpa;

	if (img->filesz != 0)
		memcpy(block, (const void *)img->vaddr, (size_t)img->filesz);
	memset(block + img->filesz, 0, plan->offset - (size_t)img->filesz);
	memset(tcb, 0, sizeof(*tcb));
	tcb->self = (uint64_t)tpa;
	tcb->stack_guard = guard;
	*tp = tcb;
	return CAPOS_OK;
}

/* The ELF64 fields read here; offsets fixed by the ELF specification. */
struct tls_ehdr {
	unsigned char ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct tls_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(offsetof(struct tls_ehdr, phoff) == 0x20, "e_phoff");
_Static_assert(offsetof(struct tls_ehdr, phentsize) == 0x36, "e_phentsize");
_Static_assert(offsetof(struct tls_ehdr, phnum) == 0x38, "e_phnum");
_Static_assert(sizeof(struct tls_phdr) == 56, "Elf64_Phdr");
#define TLS_PT_TLS 7u

void capos_tls_find_image(const void *ehdr, struct capos_tls_image *img)
{
	const struct tls_ehdr *eh = ehdr;
	const unsigned char *ph = (const unsigned char *)ehdr + eh->phoff;

	*img = (struct capos_tls_image){ 0 };
	for (uint16_t i = 0; i < eh->phnum; i++) {
		const struct tls_phdr *p =
			(const struct tls_phdr *)(ph + (size_t)i * eh->phentsize);

		if (p->type != TLS_PT_TLS)
			continue;
		img->vaddr = (uintptr_t)p->vaddr;
		img->filesz = p->filesz;
		img->memsz = p->memsz;
		img->align = p->align;
		return;
	}
}
