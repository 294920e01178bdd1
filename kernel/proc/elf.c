/*
 * ELF64 static-executable validator (contract in kernel/include/kernel/elf.h; format
 * facts from the System V gABI and the x86-64 psABI). Every field is read with an
 * explicit little-endian byte load at an offset already proven inside the buffer, so
 * unaligned or truncated input cannot fault, and every end = start + size is checked
 * for overflow before use. Decisions (docs/abi.md, "ELF executables"): ET_EXEC only;
 * PT_INTERP/PT_DYNAMIC rejected; PT_LOAD pages never shared between segments;
 * W^X per segment; PT_GNU_STACK must not ask for execute; other OS- and
 * processor-specific headers (PT_GNU_RELRO, PT_GNU_PROPERTY, PT_NOTE, ...) are
 * ignored, since only PT_LOAD ever maps memory.
 */
#include <kernel/elf.h>

#include <stddef.h>

#include <capos/error.h>
#include <capos/layout.h>

/* ELF constants used here (gABI / psABI values). */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_OSABI 7
#define EI_ABIVERSION 8
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ELFOSABI_SYSV 0
#define ELFOSABI_GNU 3
#define ET_EXEC 2
#define EM_X86_64 62
#define EHDR_SIZE 64u
#define PHDR_SIZE 56u

#define PT_NULL 0u
#define PT_LOAD 1u
#define PT_DYNAMIC 2u
#define PT_INTERP 3u
#define PT_NOTE 4u
#define PT_SHLIB 5u
#define PT_PHDR 6u
#define PT_TLS 7u
#define PT_LOOS 0x60000000u
#define PT_GNU_STACK 0x6474e551u

#define PF_X 1u
#define PF_W 2u
#define PF_R 4u

/* Program header fields, decoded. */
struct elf_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

static uint64_t elf_rd(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = (v << 8) | p[i];
	return v;
}

static bool elf_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* ELF identification and file header, in the order the contract lists. */
static int elf_check_ehdr(const uint8_t *b, uint64_t len, uint64_t *phoff, uint32_t *phnum)
{
	if (len < EHDR_SIZE)
		return CAPOS_ERR_ELF_TRUNCATED;
	if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
		return CAPOS_ERR_ELF_BAD_MAGIC;
	if (b[EI_CLASS] != ELFCLASS64)
		return CAPOS_ERR_ELF_BAD_CLASS;
	if (b[EI_DATA] != ELFDATA2LSB)
		return CAPOS_ERR_ELF_BAD_DATA;
	if (b[EI_VERSION] != EV_CURRENT)
		return CAPOS_ERR_ELF_BAD_VERSION;
	if ((b[EI_OSABI] != ELFOSABI_SYSV && b[EI_OSABI] != ELFOSABI_GNU) || b[EI_ABIVERSION] != 0)
		return CAPOS_ERR_ELF_BAD_OSABI;
	if (elf_rd(b + 16, 2) != ET_EXEC)
		return CAPOS_ERR_ELF_BAD_TYPE;
	if (elf_rd(b + 18, 2) != EM_X86_64)
		return CAPOS_ERR_ELF_BAD_MACHINE;
	if (elf_rd(b + 20, 4) != EV_CURRENT)
		return CAPOS_ERR_ELF_BAD_VERSION;
	if (elf_rd(b + 52, 2) != EHDR_SIZE || elf_rd(b + 54, 2) != PHDR_SIZE)
		return CAPOS_ERR_ELF_BAD_HEADER_SIZE;
	*phnum = (uint32_t)elf_rd(b + 56, 2);
	if (*phnum == 0 || *phnum > ELF_MAX_PHNUM)
		return CAPOS_ERR_ELF_BAD_PHNUM;
	*phoff = elf_rd(b + 32, 8);
	/* phnum <= 64, so the table size cannot overflow; the sum can. */
	if (*phoff > len || len - *phoff < (uint64_t)*phnum * PHDR_SIZE)
		return CAPOS_ERR_ELF_PH_BOUNDS;
	return CAPOS_OK;
}

static void elf_read_phdr(const uint8_t *p, struct elf_phdr *ph)
{
	ph->type = (uint32_t)elf_rd(p + 0, 4);
	ph->flags = (uint32_t)elf_rd(p + 4, 4);
	ph->offset = elf_rd(p + 8, 8);
	ph->vaddr = elf_rd(p + 16, 8);
	ph->filesz = elf_rd(p + 32, 8);
	ph->memsz = elf_rd(p + 40, 8);
	ph->align = elf_rd(p + 48, 8);
}

/* True when [off, off + size) lies inside a file of `len` bytes. */
static bool elf_in_file(uint64_t off, uint64_t size, uint64_t len)
{
	return off <= len && size <= len - off;
}

static int elf_check_load(const struct elf_phdr *ph, uint64_t len)
{
	if (ph->filesz > ph->memsz || ph->memsz > ELF_SEG_MAX_MEMSZ)
		return CAPOS_ERR_ELF_SEG_SIZE;
	if (!elf_in_file(ph->offset, ph->filesz, len))
		return CAPOS_ERR_ELF_SEG_FILE_BOUNDS;
	if ((ph->offset - ph->vaddr) % CAPOS_PAGE_SIZE != 0)
		return CAPOS_ERR_ELF_SEG_ALIGN;
	if (ph->align > 1 && (!elf_pow2(ph->align) || (ph->offset - ph->vaddr) % ph->align != 0))
		return CAPOS_ERR_ELF_SEG_ALIGN;
	/* memsz <= 1 GiB and the region ends far below 2^64: the sum cannot wrap. */
	if (ph->vaddr < CAPOS_USER_IMAGE_BASE || ph->vaddr >= CAPOS_USER_IMAGE_END ||
	    ph->memsz > CAPOS_USER_IMAGE_END - ph->vaddr)
		return CAPOS_ERR_ELF_SEG_ADDRESS;
	if ((ph->flags & (PF_R | PF_W | PF_X)) == 0)
		return CAPOS_ERR_ELF_SEG_PERMS;
	if ((ph->flags & PF_W) && (ph->flags & PF_X))
		return CAPOS_ERR_ELF_WX;
	return CAPOS_OK;
}

static void elf_add_segment(struct elf_image *out, const struct elf_phdr *ph)
{
	struct elf_segment *s = &out->segs[out->nsegs++];

	s->vaddr = ph->vaddr;
	s->memsz = ph->memsz;
	s->file_offset = ph->offset;
	s->filesz = ph->filesz;
	s->map_start = ph->vaddr & ~(CAPOS_PAGE_SIZE - 1);
	s->map_end = (ph->vaddr + ph->memsz + CAPOS_PAGE_SIZE - 1) & ~(CAPOS_PAGE_SIZE - 1);
	s->prot = ((ph->flags & PF_R) ? ELF_PROT_R : 0) | ((ph->flags & PF_W) ? ELF_PROT_W : 0) |
		  ((ph->flags & PF_X) ? ELF_PROT_X : 0);
}

static int elf_check_tls(const struct elf_phdr *ph, uint64_t len, struct elf_image *out)
{
	uint64_t align = ph->align == 0 ? 1 : ph->align;

	if (out->has_tls || ph->filesz > ph->memsz || ph->memsz > ELF_TLS_MAX_MEMSZ ||
	    !elf_pow2(align) || align > ELF_TLS_MAX_ALIGN ||
	    !elf_in_file(ph->offset, ph->filesz, len))
		return CAPOS_ERR_ELF_BAD_TLS;
	out->has_tls = true;
	out->tls = (struct elf_tls){ .vaddr = ph->vaddr,
				     .file_offset = ph->offset,
				     .filesz = ph->filesz,
				     .memsz = ph->memsz,
				     .align = align };
	return CAPOS_OK;
}

static int elf_check_phdr(const struct elf_phdr *ph, uint64_t len, struct elf_image *out)
{
	int err;

	switch (ph->type) {
	case PT_LOAD:
		err = elf_check_load(ph, len);
		if (err || ph->memsz == 0)
			return err; /* an empty PT_LOAD maps nothing */
		if (out->nsegs == ELF_MAX_SEGMENTS)
			return CAPOS_ERR_ELF_TOO_MANY_SEGMENTS;
		elf_add_segment(out, ph);
		return CAPOS_OK;
	case PT_TLS:
		return elf_check_tls(ph, len, out);
	case PT_DYNAMIC:
	case PT_INTERP:
		return CAPOS_ERR_ELF_DYNAMIC;
	case PT_GNU_STACK:
		return (ph->flags & PF_X) ? CAPOS_ERR_ELF_EXEC_STACK : CAPOS_OK;
	case PT_NULL:
	case PT_NOTE:
	case PT_PHDR:
		return CAPOS_OK;
	default:
		/* PT_SHLIB and undefined generic types; OS/processor types are advisory. */
		return ph->type >= PT_LOOS ? CAPOS_OK : CAPOS_ERR_ELF_BAD_SEGMENT_TYPE;
	}
}

static int elf_check_overlap(const struct elf_image *out)
{
	for (uint32_t i = 0; i < out->nsegs; i++) {
		for (uint32_t j = 0; j < i; j++) {
			const struct elf_segment *a = &out->segs[i], *b = &out->segs[j];
			if (a->map_start < b->map_end && b->map_start < a->map_end)
				return CAPOS_ERR_ELF_SEG_OVERLAP;
		}
	}
	return CAPOS_OK;
}

/* The non-empty TLS template must be file-backed bytes of one loaded segment, at the
 * same place in the file as in memory. */
static int elf_check_tls_placement(const struct elf_image *out)
{
	const struct elf_tls *t = &out->tls;

	if (!out->has_tls || t->filesz == 0)
		return CAPOS_OK;
	for (uint32_t i = 0; i < out->nsegs; i++) {
		const struct elf_segment *s = &out->segs[i];
		if (t->vaddr >= s->vaddr && t->vaddr - s->vaddr <= s->filesz &&
		    t->filesz <= s->filesz - (t->vaddr - s->vaddr) &&
		    t->file_offset - s->file_offset == t->vaddr - s->vaddr)
			return CAPOS_OK;
	}
	return CAPOS_ERR_ELF_BAD_TLS;
}

static int elf_check_entry(const struct elf_image *out)
{
	for (uint32_t i = 0; i < out->nsegs; i++) {
		const struct elf_segment *s = &out->segs[i];
		if ((s->prot & ELF_PROT_X) && out->entry >= s->vaddr &&
		    out->entry - s->vaddr < s->filesz)
			return CAPOS_OK;
	}
	return CAPOS_ERR_ELF_BAD_ENTRY;
}

int elf_validate(const void *bytes, uint64_t len, struct elf_image *out)
{
	const uint8_t *b = bytes;
	uint64_t phoff;
	uint32_t phnum;
	int err;

	if (!b || !out)
		return CAPOS_ERR_INVALID;
	err = elf_check_ehdr(b, len, &phoff, &phnum);
	if (err)
		return err;
	out->nsegs = 0;
	out->has_tls = false;
	out->entry = elf_rd(b + 24, 8);
	for (uint32_t i = 0; i < phnum; i++) {
		struct elf_phdr ph;
		elf_read_phdr(b + phoff + (uint64_t)i * PHDR_SIZE, &ph);
		err = elf_check_phdr(&ph, len, out);
		if (err)
			return err;
	}
	if (out->nsegs == 0)
		return CAPOS_ERR_ELF_NO_SEGMENTS;
	err = elf_check_overlap(out);
	if (!err)
		err = elf_check_tls_placement(out);
	if (!err)
		err = elf_check_entry(out);
	return err;
}
