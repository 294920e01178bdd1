/*
 * Linker script for capOS user programs (preprocessed by libcapos.mk: the image base
 * comes from the ABI header, the one place it is defined).
 *
 * A static, non-PIE ELF64 with three PT_LOAD segments, each starting on a page and
 * each with exactly one permission set, so the kernel's loader can enforce W^X from
 * the program headers alone:
 *   text    R+X   .text
 *   rodata  R     ELF + program headers, .rodata, .eh_frame, init/fini arrays,
 *                 the TLS initialisation image (.tdata)
 *   data    R+W   .data, .bss
 * plus PT_TLS (covering .tdata/.tbss) and PT_GNU_STACK (RW: the stack is never
 * executable). The headers are loaded so crt0 can find PT_TLS through __ehdr_start.
 * init/fini arrays are read-only after link: nothing relocates them at run time.
 */
/* CAPOS_USER_IMAGE_BASE and CAPOS_USER_PAGE_SIZE are -D values taken from
 * include/capos/layout.h by libcapos.mk. */

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(_start)

PHDRS
{
	rodata PT_LOAD FILEHDR PHDRS FLAGS(4);  /* R */
	text   PT_LOAD FLAGS(5);                /* R X */
	data   PT_LOAD FLAGS(6);                /* R W */
	tls    PT_TLS FLAGS(4);
	stack  PT_GNU_STACK FLAGS(6);
}

SECTIONS
{
	. = CAPOS_USER_IMAGE_BASE + SIZEOF_HEADERS;

	.rodata : { *(.rodata .rodata.*) } :rodata
	.eh_frame : { KEEP(*(.eh_frame)) *(.eh_frame.*) } :rodata
	.preinit_array : {
		PROVIDE_HIDDEN(__preinit_array_start = .);
		KEEP(*(.preinit_array))
		PROVIDE_HIDDEN(__preinit_array_end = .);
	} :rodata
	.init_array : {
		PROVIDE_HIDDEN(__init_array_start = .);
		KEEP(*(SORT_BY_INIT_PRIORITY(.init_array.*)))
		KEEP(*(.init_array .ctors))
		PROVIDE_HIDDEN(__init_array_end = .);
	} :rodata
	.fini_array : {
		PROVIDE_HIDDEN(__fini_array_start = .);
		KEEP(*(SORT_BY_INIT_PRIORITY(.fini_array.*)))
		KEEP(*(.fini_array .dtors))
		PROVIDE_HIDDEN(__fini_array_end = .);
	} :rodata
	.tdata : { *(.tdata .tdata.*) } :rodata :tls
	.tbss : { *(.tbss .tbss.*) *(.tcommon) } :tls

	. = ALIGN(CAPOS_USER_PAGE_SIZE);
	.text : { *(.text.unlikely .text.unlikely.*) *(.text .text.*) } :text

	. = ALIGN(CAPOS_USER_PAGE_SIZE);
	.data : { *(.data .data.*) } :data
	.bss : { *(.bss .bss.*) *(COMMON) } :data
	_end = .;

	/DISCARD/ : { *(.comment) *(.note.GNU-stack) *(.note.gnu.build-id) *(.interp) *(.dynamic) }
}
