/*
 * truemin: the trivial process of the spawn benchmark (bench/spawn), the capOS twin of
 * bench/linux/true_min.c: no runtime at all, _start calls exit(0) (CAPOS_SYS_EXIT = 2,
 * include/capos/syscall.h). Linked with the user linker script, so it is an ordinary
 * packaged ELF the loader validates like any other.
 */
	.text
	.globl _start
	.type _start, @function
_start:
	movl $2, %eax /* CAPOS_SYS_EXIT */
	xorl %edi, %edi
	syscall
	ud2
	.size _start, . - _start
	.section .note.GNU-stack, "", @progbits
