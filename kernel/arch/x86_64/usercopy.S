/*
 * Copies between kernel buffers and user memory, and the exception table that makes
 * a fault inside them recoverable. Each table entry pairs the address of an
 * instruction that may fault on a user address with the address to resume at; the
 * trap handler (trap.c, arch_extable_fixup) redirects a kernel-mode #PF/#GP whose RIP
 * is listed, and the copy returns CAPOS_ERR_BAD_ADDRESS. The C wrappers
 * arch_copy_from_user/arch_copy_to_user (proc.c) open SMAP around the copy; proc.c
 * static_asserts that the constant below matches include/capos/error.h.
 */
#define CAPOS_ERR_BAD_ADDRESS (-10)

	.text

/*
 * int arch_user_copy_raw(void *dst, const void *src, uint64_t n): whole quadwords
 * with rep movsq, then the last n % 8 bytes with rep movsb (a rep string instruction
 * retires once per element, so quadwords cut the count eightfold). Either may fault
 * on a user address; both resume at the same fixup.
 */
	.globl arch_user_copy_raw
	.type arch_user_copy_raw, @function
arch_user_copy_raw:
	mov %rdx, %rcx
	shr $3, %rcx
1:	rep movsq
	mov %edx, %ecx
	and $7, %ecx
2:	rep movsb
	xor %eax, %eax
	ret
3:	mov $CAPOS_ERR_BAD_ADDRESS, %eax
	ret
	.size arch_user_copy_raw, . - arch_user_copy_raw

	.section .rodata
	.balign 8
	.globl arch_extable_start, arch_extable_end
arch_extable_start:
	.quad 1b, 3b
	.quad 2b, 3b
arch_extable_end:
