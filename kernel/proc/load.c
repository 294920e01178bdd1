/*
 * ELF loader for user processes (kernel/load.h): validates the image with abi's
 * elf_validate() (every field of a hostile file checked, W^X per segment, PT_TLS
 * bounds), maps each PT_LOAD with its own permissions and fills it through the direct
 * map, maps thread 0's stack below CAPOS_USER_STACK_TOP, and returns the ABI entry
 * state. TLS is the runtime's (include/capos/syscall.h): crt0 builds thread 0's block
 * from PT_TLS and sets the FS base with wrfsbase, so the kernel enters with FS = 0.
 * Every frame goes through vm_map, so it is charged to the process and returned by
 * vm_destroy. On error the caller destroys the process; nothing here needs undoing.
 */
#include <kernel/load.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <kernel/elf.h>

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

int proc_load_elf(struct process *p, const void *bytes, uint64_t len, struct proc_entry *e)
{
	static struct elf_image img; /* [S] 1 KiB+: kept off the kernel stack */
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
	*e = (struct proc_entry){ .rip = img.entry,
				  .rsp = CAPOS_USER_STACK_TOP,
				  .rdi = 0,
				  .rsi = p->pid,
				  .rdx = 0,
				  .fs_base = 0 };
	return CAPOS_OK;
}
