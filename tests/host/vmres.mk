# VirtualMemory's region table (kernel/include/kernel/vmregion.h): pure bookkeeping of
# reserved, committed and guard ranges, checked on the host.
$(eval $(call host_test,vmregion,kernel/proc/vmregion.c tests/host/kernel/vmregion_test.c))

# VirtualMemory's kernel glue (kernel/proc/vmres.c) over recording stubs of vm_map,
# vm_unmap, vm_protect and the kernel heap: every charge on every path.
$(eval $(call host_test,vmres,kernel/proc/vmres.c kernel/proc/vmregion.c kernel/cap/memmap.c \
	tests/host/kernel/vmres_test.c))

$(BUILD)/host/kernel/proc/vmres.o $(BUILD)/host/tests/host/kernel/vmres_test.o: \
	HOST_CFLAGS += -Ikernel/include -Ikernel/arch/x86_64/include
