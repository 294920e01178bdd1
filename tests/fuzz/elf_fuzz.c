/*
 * libFuzzer target for the ELF64 validator (kernel/proc/elf.c). Besides surviving any
 * input under ASan/UBSan, every accepted image must satisfy the plan's promises: a
 * bounded segment count, page-disjoint segments inside the user image region, no W+X,
 * file ranges inside the input, the entry in an executable segment's file bytes and a
 * bounded TLS template inside the input. A broken promise aborts (a crash report).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <capos/error.h>
#include <capos/layout.h>
#include <kernel/elf.h>

static void elf_fuzz_require(int cond)
{
	if (!cond)
		abort();
}

static void elf_fuzz_check_plan(const struct elf_image *img, size_t size)
{
	int entry_ok = 0;

	elf_fuzz_require(img->nsegs >= 1 && img->nsegs <= ELF_MAX_SEGMENTS);
	for (uint32_t i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];
		elf_fuzz_require(s->map_start >= CAPOS_USER_IMAGE_BASE);
		elf_fuzz_require(s->map_end <= CAPOS_USER_IMAGE_END && s->map_start < s->map_end);
		elf_fuzz_require(s->map_start <= s->vaddr && s->vaddr + s->memsz <= s->map_end);
		elf_fuzz_require(s->filesz <= s->memsz);
		elf_fuzz_require(s->file_offset <= size && s->filesz <= size - s->file_offset);
		elf_fuzz_require(!((s->prot & ELF_PROT_W) && (s->prot & ELF_PROT_X)));
		for (uint32_t j = 0; j < i; j++)
			elf_fuzz_require(s->map_end <= img->segs[j].map_start ||
					 img->segs[j].map_end <= s->map_start);
		if ((s->prot & ELF_PROT_X) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->filesz)
			entry_ok = 1;
	}
	elf_fuzz_require(entry_ok);
	if (img->has_tls) {
		const struct elf_tls *t = &img->tls;
		elf_fuzz_require(t->filesz <= t->memsz && t->memsz <= ELF_TLS_MAX_MEMSZ);
		elf_fuzz_require(t->file_offset <= size && t->filesz <= size - t->file_offset);
		elf_fuzz_require(t->align >= 1 && t->align <= ELF_TLS_MAX_ALIGN &&
				 (t->align & (t->align - 1)) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_image img;
	int err = elf_validate(data, size, &img);

	if (err == CAPOS_OK)
		elf_fuzz_check_plan(&img, size);
	else
		elf_fuzz_require(err < 0);
	return 0;
}
