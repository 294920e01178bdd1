# VirtualMemory's region table (kernel/include/kernel/vmregion.h): pure bookkeeping of
# reserved, committed and guard ranges, checked on the host.
$(eval $(call host_test,vmregion,kernel/proc/vmregion.c tests/host/kernel/vmregion_test.c))
