# `make bench-capnp`: lib/capnp vs the official C++ library (libcapnp-dev) on the
# bench/capnp/bench.capnp message set, plus lib/capnp code size for the kernel build.
# Not part of `make test` (timings are not assertions).

BENCH_CAPNP_DIR := $(BUILD)/bench/capnp
# This fragment is included before lib/capnp/capnp.mk, so name the objects here.
BENCH_CAPNP_LIB := $(patsubst %.c,$(BUILD)/tool/%.o,$(wildcard lib/capnp/*.c))
BENCH_CAPNP_KOBJS := $(patsubst %.c,$(BUILD)/kernel/%.o,$(wildcard lib/capnp/*.c))
BENCH_CAPNP := $(BENCH_CAPNP_DIR)/capnp_bench
BENCH_CAPNP_GEN := $(BENCH_CAPNP_DIR)/bench.capnp.h $(BENCH_CAPNP_DIR)/bench.capnp.c++
# Our side: the C header tools/capnpc-c generates from the same schema (a directory of
# its own, since the C++ header has the same name). Spelled without $(CAPNPC_C):
# schema/schema.mk, which names the generator, is read after this fragment.
BENCH_CAPNP_CGEN_DIR := $(BENCH_CAPNP_DIR)/gen-c
BENCH_CAPNP_CGEN := $(BENCH_CAPNP_CGEN_DIR)/bench.capnp.h
BENCH_CAPNPC_C := $(BUILD)/tool/capnpc-c
# What `pkg-config --libs capnp` prints for Debian's libcapnp-dev (headers are in
# /usr/include); spelled out so the benchmark needs no pkg-config.
BENCH_CAPNP_LIBS := -lcapnp -lkj

$(BENCH_CAPNP_GEN) &: bench/capnp/bench.capnp | $(DEPS_STAMP)
	@mkdir -p $(BENCH_CAPNP_DIR)
	$(CAPNP) compile -oc++:$(BENCH_CAPNP_DIR) --src-prefix=bench/capnp $<

$(BENCH_CAPNP_CGEN): bench/capnp/bench.capnp $(BENCH_CAPNPC_C) | $(DEPS_STAMP)
	@mkdir -p $(BENCH_CAPNP_CGEN_DIR)
	$(CAPNP) compile -o$(abspath $(BENCH_CAPNPC_C)):$(BENCH_CAPNP_CGEN_DIR) --src-prefix=bench/capnp $<

$(BUILD)/tool/bench/capnp/ours.o: $(BENCH_CAPNP_CGEN)
$(BUILD)/tool/bench/capnp/ours.o: TOOL_CFLAGS += -I$(BENCH_CAPNP_CGEN_DIR)

$(BENCH_CAPNP): bench/capnp/main.cc $(BENCH_CAPNP_GEN) $(BUILD)/tool/bench/capnp/ours.o \
		$(BENCH_CAPNP_LIB)
	$(CXX) -std=c++17 -O2 -Wall -Wextra -Werror -Ibench/capnp -I$(BENCH_CAPNP_DIR) \
		-o $@ bench/capnp/main.cc \
		$(BENCH_CAPNP_DIR)/bench.capnp.c++ $(BUILD)/tool/bench/capnp/ours.o \
		$(BENCH_CAPNP_LIB) $(BENCH_CAPNP_LIBS)

.PHONY: bench-capnp
bench-capnp: $(BENCH_CAPNP) $(BENCH_CAPNP_KOBJS)
	@$(BENCH_CAPNP)
	@echo "lib/capnp code size, kernel build (text/data/bss bytes):"
	@# Kernel objects are LLVM bitcode (-flto, kernel/kernel.mk): code-generate each
	@# one on its own with the kernel's code model to measure it.
	@mkdir -p $(BENCH_CAPNP_DIR)/kobj
	@for o in $(BENCH_CAPNP_KOBJS); do \
		$(CC) --target=x86_64-unknown-none-elf -O2 -mcmodel=kernel -mno-red-zone \
			-c -x ir $$o -o $(BENCH_CAPNP_DIR)/kobj/$$(basename $$o) || exit 1; \
	done
	@size -t $(patsubst $(BUILD)/kernel/lib/capnp/%,$(BENCH_CAPNP_DIR)/kobj/%,$(BENCH_CAPNP_KOBJS))
