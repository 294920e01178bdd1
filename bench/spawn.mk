# `make bench-spawn`: guest instructions per spawn + wait of a trivial process under
# QEMU -icount (bench/spawn/spawn_bench.py; docs/benchmarks.md). Not part of
# `make test` (figures, not assertions).
BENCH_SPAWN_MODULE := $(BUILD)/bench/spawn/spawnbench.manifest

$(BENCH_SPAWN_MODULE): $(BUILD)/system/spawnbench.bin $(BUILD)/tool/mkmanifest \
		$(BUILD)/user/spawnbench.elf $(BUILD)/user/truemin.elf
	@mkdir -p $(@D)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

# Built by plain `make` too, so `python3 bench/run.py --capos-only` works after it.
ALL_TARGETS += $(BENCH_SPAWN_MODULE)

.PHONY: bench-spawn
bench-spawn: $(KERNEL_ELF) $(BENCH_SPAWN_MODULE)
	@$(PYTHON) bench/spawn/spawn_bench.py
