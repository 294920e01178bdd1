# capOS top-level build. Directory fragments (kernel/kernel.mk, lib/*/*.mk, tools/*/*.mk,
# tests/*/*.mk, user/*/*.mk, bench/*.mk) add their outputs to the lists below; this file
# owns only the contract targets. See docs/build-boot-test.md for every target.
#
#   make deps    install Debian packages (idempotent)
#   make         build everything
#   make run     boot capOS in QEMU
#   make test    build and run every test; last line "N passed, N failed"
#                (SMP="1 2": the CPU counts of the QEMU suites, default 1 2 4)
#   make clean   remove $(BUILD)

.DEFAULT_GOAL := all
BUILD      := build
NPROC      := $(shell nproc)

# Packages come first. $(DEPS_STAMP) is an included makefile whose rule runs deps.sh:
# GNU make remakes included makefiles before anything else and then restarts, so every
# $(shell ...) and $(wildcard ...) in the fragments (clang's resource directory, the
# installed capnp schemas) is evaluated with the packages present, even on a fresh
# machine. Only `make clean` skips it.
DEPS_STAMP := $(BUILD)/deps.mk
ifneq ($(MAKECMDGOALS),clean)
include $(DEPS_STAMP)
endif

# The CPU counts every QEMU boot test runs at (tests/qemu/suite.py; docs/build-boot-test.md):
# `make test SMP="1 2"` for a quicker local run; CAPOS_TEST_SMP in the environment works too.
SMP ?= $(if $(CAPOS_TEST_SMP),$(CAPOS_TEST_SMP),1 2 4)

# Filled by fragments.
ALL_TARGETS  :=
TEST_SUITES  :=
TEST_DEPS    :=

include mk/toolchain.mk
include mk/rules.mk
include $(sort $(wildcard kernel/*.mk lib/*/*.mk tools/*/*.mk user/*/*.mk \
                          schema/*.mk tests/*/*.mk bench/*.mk))

.PHONY: all deps test clean

all: $(DEPS_STAMP) $(ALL_TARGETS)

# The stamp makes ordinary builds cheap; `make deps` always re-checks.
$(DEPS_STAMP): tools/deps.sh
	@bash tools/deps.sh
	@mkdir -p $(@D) && echo "# written by make after tools/deps.sh succeeded" > $@

deps:
	@bash tools/deps.sh
	@mkdir -p $(BUILD) && echo "# written by make after tools/deps.sh succeeded" > $(DEPS_STAMP)

test: deps
	@$(MAKE) --no-print-directory -j$(NPROC) $(TEST_SUITES) $(TEST_DEPS)
	@CAPOS_TEST_SMP="$(SMP)" $(PYTHON) tests/run.py $(TEST_SUITES)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
