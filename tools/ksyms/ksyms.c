/*
 * ksyms: host tool for the kernel image's post-link steps.
 *
 *   ksyms <kernel.elf> <out.bin>   write the symbol table blob (kernel/ksyms.h) built
 *                                  from the ELF's own .symtab: every defined STT_FUNC
 *                                  symbol, sorted by address, one name per address
 *   ksyms --empty <out.bin>        write a blob with no symbols (first-stage link)
 *   ksyms --check-load <kernel.elf>
 *                                  verify what the Multiboot1 a.out kludge needs: every
 *                                  PT_LOAD has p_filesz == p_memsz and the same
 *                                  p_offset - p_paddr, and segments ascend without overlap
 *
 * The ELF is read with its own headers (glibc <elf.h> for the types) and every offset
 * is bounds-checked, so a malformed file gives an error message, never a crash. The
 * blob is re-validated with the kernel's own ksyms_open() before it is written.
 */
#include <kernel/ksyms.h>

#include <capos/error.h>
#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct image {
	unsigned char *data;
	size_t size;
	const char *path;
};

struct sym {
	uint64_t addr;
	uint64_t size;
	const char *name;
	bool global;
};

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "ksyms: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static struct image read_file(const char *path)
{
	struct image im = { .path = path };
	FILE *f = fopen(path, "rb");
	if (!f)
		die("cannot open %s", path);
	if (fseek(f, 0, SEEK_END) != 0)
		die("cannot seek %s", path);
	long n = ftell(f);
	if (n < 0 || fseek(f, 0, SEEK_SET) != 0)
		die("cannot size %s", path);
	im.size = (size_t)n;
	im.data = malloc(im.size ? im.size : 1);
	if (!im.data || fread(im.data, 1, im.size, f) != im.size)
		die("cannot read %s", path);
	fclose(f);
	return im;
}

/* Pointer to [off, off + len) of the image, or exit if it is out of bounds. */
static const void *at(const struct image *im, uint64_t off, uint64_t len)
{
	if (off > im->size || len > im->size - off)
		die("%s: structure outside the file", im->path);
	return im->data + off;
}

static const Elf64_Ehdr *elf_header(const struct image *im)
{
	const Elf64_Ehdr *eh = at(im, 0, sizeof(Elf64_Ehdr));
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64)
		die("%s: not a little-endian ELF64 x86-64 file", im->path);
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_phentsize != sizeof(Elf64_Phdr))
		die("%s: unexpected header entry sizes", im->path);
	return eh;
}

static const Elf64_Shdr *section(const struct image *im, const Elf64_Ehdr *eh, uint32_t i)
{
	if (i >= eh->e_shnum)
		die("%s: section index out of range", im->path);
	return at(im, eh->e_shoff + (uint64_t)i * sizeof(Elf64_Shdr), sizeof(Elf64_Shdr));
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->global != y->global)
		return x->global ? -1 : 1; /* prefer the global name at an address */
	return strcmp(x->name, y->name);
}

/* Collects defined function symbols; returns their count, *out malloc'ed. */
static size_t collect_symbols(const struct image *im, struct sym **out)
{
	const Elf64_Ehdr *eh = elf_header(im);
	for (uint32_t i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *sh = section(im, eh, i);
		if (sh->sh_type != SHT_SYMTAB)
			continue;
		const Elf64_Shdr *strsh = section(im, eh, sh->sh_link);
		const char *str = at(im, strsh->sh_offset, strsh->sh_size);
		if (strsh->sh_size == 0 || str[strsh->sh_size - 1] != '\0')
			die("%s: string table not NUL-terminated", im->path);
		size_t n = sh->sh_size / sizeof(Elf64_Sym);
		const Elf64_Sym *syms = at(im, sh->sh_offset, n * sizeof(Elf64_Sym));
		struct sym *v = calloc(n ? n : 1, sizeof(*v));
		size_t k = 0;
		for (size_t j = 0; j < n; j++) {
			const Elf64_Sym *s = &syms[j];
			if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF ||
			    s->st_value == 0)
				continue;
			if (s->st_name >= strsh->sh_size)
				die("%s: symbol name outside the string table", im->path);
			v[k++] = (struct sym){ .addr = s->st_value,
					       .size = s->st_size,
					       .name = str + s->st_name,
					       .global = ELF64_ST_BIND(s->st_info) != STB_LOCAL };
		}
		*out = v;
		return k;
	}
	die("%s: no .symtab (linked with --strip-all?)", im->path);
	return 0;
}

static void write_blob(const char *path, const void *blob, size_t len)
{
	struct ksyms_table t;
	int r = ksyms_open(blob, len, &t);
	if (r != CAPOS_OK)
		die("generated blob fails validation: %s", capos_error_name(r));
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(blob, 1, len, f) != len || fclose(f) != 0)
		die("cannot write %s", path);
}

/* Sorted, deduplicated symbols -> blob (8-byte aligned allocation). */
static void emit(const char *path, struct sym *v, size_t n)
{
	if (n > 0)
		qsort(v, n, sizeof(*v), sym_cmp);
	size_t count = 0, strsz = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && v[i].addr == v[i - 1].addr)
			continue;
		count++;
		strsz += strlen(v[i].name) + 1;
	}
	if (count > UINT32_MAX || strsz > UINT32_MAX)
		die("%s: too many symbols", path);
	size_t len = sizeof(struct ksyms_header) + count * sizeof(struct ksyms_entry) + strsz;
	uint64_t *mem = calloc((len + 7) / 8 + 1, 8);
	struct ksyms_header *h = (struct ksyms_header *)mem;
	*h = (struct ksyms_header){ KSYMS_MAGIC, KSYMS_VERSION, (uint32_t)count, (uint32_t)strsz };
	struct ksyms_entry *e = (struct ksyms_entry *)(h + 1);
	char *str = (char *)(e + count);
	size_t k = 0, off = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && v[i].addr == v[i - 1].addr)
			continue;
		e[k++] = (struct ksyms_entry){ .addr = v[i].addr,
					       .size = v[i].size > UINT32_MAX ? 0
									      : (uint32_t)v[i].size,
					       .name_off = (uint32_t)off };
		size_t l = strlen(v[i].name) + 1;
		memcpy(str + off, v[i].name, l);
		off += l;
	}
	write_blob(path, mem, len);
	free(mem);
}

static int check_load(const struct image *im)
{
	const Elf64_Ehdr *eh = elf_header(im);
	bool have = false;
	int64_t delta = 0;
	uint64_t prev_end = 0;
	for (uint32_t i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph =
			at(im, eh->e_phoff + (uint64_t)i * sizeof(Elf64_Phdr), sizeof(Elf64_Phdr));
		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_filesz != ph->p_memsz)
			die("%s: PT_LOAD with p_filesz != p_memsz (NOBITS tail breaks the "
			    "Multiboot1 a.out kludge)",
			    im->path);
		int64_t d = (int64_t)ph->p_offset - (int64_t)ph->p_paddr;
		if (have && (d != delta || ph->p_paddr < prev_end))
			die("%s: PT_LOADs not contiguous in the file (offset - paddr varies)",
			    im->path);
		have = true;
		delta = d;
		prev_end = ph->p_paddr + ph->p_memsz;
	}
	if (!have)
		die("%s: no PT_LOAD", im->path);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--empty") == 0) {
		emit(argv[2], NULL, 0);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--check-load") == 0) {
		struct image im = read_file(argv[2]);
		return check_load(&im);
	}
	if (argc == 3 && argv[1][0] != '-') {
		struct image im = read_file(argv[1]);
		struct sym *v = NULL;
		size_t n = collect_symbols(&im, &v);
		emit(argv[2], v, n);
		free(v);
		free(im.data);
		return 0;
	}
	fprintf(stderr, "usage: ksyms <kernel.elf> <out.bin> | --empty <out.bin> | "
			"--check-load <kernel.elf>\n");
	return 2;
}
