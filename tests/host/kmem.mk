# Host tests of the kernel memory core and boot-information parsers (kmem): the
# unmodified kernel sources compiled for the host with ASan/UBSan.
KMEM_BOOT_SRCS := kernel/boot/bootinfo.c kernel/boot/multiboot2.c kernel/boot/multiboot1.c

$(BUILD)/host/tests/host/kernel/%.o: HOST_CFLAGS += -Ikernel/include
$(BUILD)/host/kernel/%.o: HOST_CFLAGS += -Ikernel/include

$(eval $(call host_test,kmem_bootinfo,$(KMEM_BOOT_SRCS) tests/host/kernel/bootinfo_test.c))
$(eval $(call host_test,kmem_cmdline,kernel/boot/cmdline.c tests/host/kernel/cmdline_test.c))
$(eval $(call host_test,kmem_frame,kernel/mm/frame.c tests/host/kernel/frame_test.c))
$(eval $(call host_test,kmem_paging,kernel/arch/x86_64/paging.c kernel/mm/kmap.c tests/host/kernel/paging_test.c))
$(eval $(call host_test,kmem_heap,kernel/mm/heap.c tests/host/kernel/heap_test.c))
# Charged kernel allocations and the reserve (kernel/mm/kcharge.c) over the heap core.
$(eval $(call host_test,kmem_kcharge,kernel/mm/heap.c kernel/mm/kcharge.c tests/host/kernel/kcharge_test.c))
