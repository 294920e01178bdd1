# PARK wait queue (kernel/proc/parkq.c): hashing, FIFO per key, bounded wakes, removal
# (kernel/include/kernel/kpark.h; docs/sync.md).
$(eval $(call host_test,parkq,kernel/proc/parkq.c tests/host/kernel/parkq_test.c))
