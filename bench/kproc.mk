# `make bench-kproc`: instructions per null SYSCALL round trip under QEMU -icount
# (bench/kproc/syscall_bench.py). Not part of `make test` (figures, not assertions).
.PHONY: bench-kproc
bench-kproc: $(KERNEL_ELF) $(BOOT_MODULE)
	@$(PYTHON) bench/kproc/syscall_bench.py
