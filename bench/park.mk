# `make bench-park`: guest instructions per PARK/UNPARK round trip between two processes
# under QEMU -icount (bench/park/park_bench.py; docs/sync.md "Figures"). Not part of
# `make test` (figures, not assertions); the module is built with everything.
PARKBENCH_MODULE := $(BUILD)/tests/qemu/parkbench/parkbench.manifest

$(PARKBENCH_MODULE): $(BUILD)/system/tests/parkbench.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/parkbench.elf $(BUILD)/user/syncpeer.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

ALL_TARGETS += $(PARKBENCH_MODULE)

.PHONY: bench-park
bench-park: $(KERNEL_ELF) $(PARKBENCH_MODULE)
	@$(PYTHON) bench/park/park_bench.py
