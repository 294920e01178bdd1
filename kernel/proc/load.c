/*
 * ELF loader for user processes (kernel/load.h): validates the image with abi's
 * elf_validate() (every field of a hostile file checked, W^X per segment, PT_TLS
 * bounds), maps each PT_LOAD with its own permissions and fills it through the direct
 * map, maps thread 0's stack below CAPOS_USER_STACK_TOP, builds thread 0's TLS block
 * and TCB from PT_TLS at CAPOS_USER_TLS0_BASE (variant II, include/capos/tls.h), and
 * returns the ABI entry state with the FS base at that TCB. Every frame goes through
 * vm_map, so it is charged to the process and returned by vm_destroy. On error the
 * caller destroys the process; nothing here needs undoing.
 */
#include <kernel/load.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <capos/tls.h>
#include <kernel/elf.h>

/* The largest block + TCB elf_validate lets through fits in the TLS region. */
_Static_assert(ELF_TLS_MAX_MEMSZ + 2 * ELF_TLS_MAX_ALIGN + CAPOS_TCB_SIZE + CAPOS_PAGE_SIZE <=
		       CAPOS_USER_TLS_END - CAPOS_USER_TLS0_BASE,
	       "thread 0's TLS block fits in the TLS region");

static unsigned load_prot(uint32_t elf_prot)
{
	return ((elf_prot & ELF_PROT_W) ? VM_PROT_WRITE : 0) |
	       ((elf_prot & ELF_PROT_X) ? VM_PROT_EXEC : 0);
}

static int load_segments(struct process *p, const uint8_t *bytes, const struct elf_image *img)
{
	for (uint32_t i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];
		int err = vm_map(&p->vm, s->map_start, s->map_end - s->map_start,
				 load_prot(s->prot), NULL, 0);

		if (err)
			return err;
		err = vm_write(&p->vm, s->vaddr, bytes + s->file_offset, s->filesz);
		if (err)
			return err;
	}
	return CAPOS_OK;
}

/*
 * Thread 0's TLS block + TCB: pages [CAPOS_USER_TLS0_BASE, page_up(tp + TCB)) mapped
 * RW+NX (fresh pages are zero, so .tbss and the TCB's reserved words are), the .tdata
 * image copied from the file, the TCB's self pointer written. A program without
 * PT_TLS still gets a TCB. The thread pointer in *tp.
 */
static int load_tls(struct process *p, const uint8_t *bytes, const struct elf_image *img,
		    uint64_t *tp)
{
	const struct elf_tls t = img->has_tls ? img->tls : (struct elf_tls){ .align = 1 };
	uint64_t offset = capos_tls_offset(t.memsz, t.vaddr, t.align);
	uint64_t at = capos_tls_tp(CAPOS_USER_TLS0_BASE, offset, capos_tls_tp_align(t.align));
	uint64_t end = (at + CAPOS_TCB_SIZE + CAPOS_PAGE_SIZE - 1) & ~(CAPOS_PAGE_SIZE - 1);
	const struct capos_tcb tcb = { .self = at };
	int err = vm_map(&p->vm, CAPOS_USER_TLS0_BASE, end - CAPOS_USER_TLS0_BASE, VM_PROT_WRITE,
			 NULL, 0);

	if (err)
		return err;
	err = vm_write(&p->vm, at - offset, bytes + t.file_offset, t.filesz);
	if (err)
		return err;
	err = vm_write(&p->vm, at, &tcb, sizeof(tcb));
	if (err)
		return err;
	*tp = at;
	return CAPOS_OK;
}

int proc_load_elf(struct process *p, const void *bytes, uint64_t len, struct proc_entry *e)
{
	static struct elf_image img; /* [S] 1 KiB+: kept off the kernel stack */
	uint64_t tp = 0;
	int err = elf_validate(bytes, len, &img);

	if (err)
		return err;
	err = load_segments(p, bytes, &img);
	if (err)
		return err;
	err = vm_map(&p->vm, CAPOS_USER_STACK_TOP - CAPOS_USER_STACK_SIZE, CAPOS_USER_STACK_SIZE,
		     VM_PROT_WRITE, NULL, 0);
	if (err)
		return err;
	err = load_tls(p, bytes, &img, &tp);
	if (err)
		return err;
	*e = (struct proc_entry){ .rip = img.entry,
				  .rsp = CAPOS_USER_STACK_TOP,
				  .rdi = 0,
				  .rsi = p->pid,
				  .rdx = 0,
				  .fs_base = tp };
	return CAPOS_OK;
}
