# Host tests of kproc's pure code: the user-space page-table primitives added to
# kernel/arch/x86_64/paging.c (share, populate, destroy) and the user-range check
# behind copy_from_user/copy_to_user.
$(eval $(call host_test,kproc_uspace,kernel/arch/x86_64/paging.c tests/host/kproc/uspace_test.c))
$(eval $(call host_test,kproc_uaccess,tests/host/kproc/uaccess_test.c))

$(BUILD)/host/tests/host/kproc/%.o: HOST_CFLAGS += -Ikernel/include

# The resource ledger's reserve/release and hold/commit/drop (kernel/include/kernel/ledger.h).
$(eval $(call host_test,ledger,tests/host/kernel/ledger_test.c))

# The kernel-stack window allocator (kernel/proc/kstack.c) over recording stubs of the
# page-table and frame primitives: all slots, reuse, failure part-way, shootdown order.
$(eval $(call host_test,kstack,kernel/proc/kstack.c kernel/boot/cmdline.c \
	tests/host/kernel/kstack_test.c))
$(BUILD)/host/kernel/proc/kstack.o $(BUILD)/host/tests/host/kernel/kstack_test.o: \
	HOST_CFLAGS += -Ikernel/arch/x86_64/include
