# MemoryObject mapping bookkeeping (kernel/cap/memmap.c): range and address checks
# at their overflow edges, lookups, overlap and first-fit placement with guard pages.
$(BUILD)/host/kernel/cap/memmap.o $(BUILD)/host/tests/host/kernel/memmap_test.o: \
	$(CAPOS_SCHEMA_HEADERS)
$(eval $(call host_test,memmap,kernel/cap/memmap.c tests/host/kernel/memmap_test.c))
