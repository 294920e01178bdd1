# ABI v1 headers (include/capos/): host tests of the helpers and constants, and
# compile checks of every header under the freestanding kernel flags and strict ISO
# C17, so userspace, kernel and host all see the same layouts.
$(eval $(call host_test,abi,tests/host/abi/abi_test.c))

ABI_STRICT_CHECK := $(BUILD)/abi/abi_headers_strict.o
$(ABI_STRICT_CHECK): tests/host/abi/abi_headers.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) -std=c17 -pedantic -Wall -Wextra -Werror -Iinclude -ffreestanding \
		--target=x86_64-unknown-none-elf -nostdinc -isystem $(CLANG_RESOURCE)/include \
		-c $< -o $@

ALL_TARGETS += $(BUILD)/kernel/tests/host/abi/abi_headers.o $(ABI_STRICT_CHECK)
TEST_DEPS += $(BUILD)/kernel/tests/host/abi/abi_headers.o $(ABI_STRICT_CHECK)

# Cap table and kernel objects (kernel/cap/), compiled unmodified for the host.
# ($(BUILD)/host/kernel/% and tests/host/kernel/% get -Ikernel/include from kmem.mk.)
$(eval $(call host_test,captab,kernel/cap/kobj.c kernel/cap/captab.c tests/host/kernel/captab_test.c))

# Capability transfer primitives (kernel/cap/xfer.c): take / deliver / drop.
$(eval $(call host_test,xfer,kernel/cap/xfer.c kernel/cap/kobj.c kernel/cap/captab.c \
	kernel/cap/revoke.c tests/host/kernel/xfer_test.c))

# ELF64 validator (kernel/proc/elf.c). Its test also validates a real static
# executable with TLS linked by clang/lld at the user image base.
ELF_SAMPLE := $(BUILD)/abi/elf_sample.elf
$(BUILD)/abi/elf_sample.o: tests/host/abi/elf_sample.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) --target=x86_64-unknown-none-elf -ffreestanding -fno-pic -O1 $(WARN) -c $< -o $@
$(ELF_SAMPLE): $(BUILD)/abi/elf_sample.o
	$(LD) -static --image-base=0x400000 -z noexecstack -o $@ $<

$(BUILD)/host/tests/host/kernel/elf_test.o: HOST_CFLAGS += -DELF_SAMPLE_PATH='"$(abspath $(ELF_SAMPLE))"'
$(BUILD)/host/tests/host/kernel/elf_test.o: $(ELF_SAMPLE)
$(eval $(call host_test,elf,kernel/proc/elf.c tests/host/kernel/elf_test.c))

# Endpoint state machine (kernel/cap/endpoint.c) with recording ops (docs/ipc.md).
$(eval $(call host_test,endpoint,kernel/cap/kobj.c kernel/cap/endpoint.c tests/host/kernel/endpoint_test.c))

# Ring engine (kernel/cap/ring.c) over an in-memory ring page.
$(eval $(call host_test,ring,kernel/cap/ring.c tests/host/kernel/ring_test.c))

# CapSet page builder (kernel/cap/capset.c).
$(eval $(call host_test,capset,kernel/cap/capset.c tests/host/kernel/capset_test.c))

# Kernel-object invocation (kernel/cap/kcall.c) over the cap table, the ring engine,
# lib/capnp and the generated capos.capnp.h dispatch skeletons.
KCALL_TEST_SRCS := kernel/cap/kcall.c kernel/cap/xfer.c kernel/cap/captab.c kernel/cap/kobj.c kernel/cap/ring.c \
	$(CAPNP_SRCS) tests/host/kernel/kcall_test.c
$(BUILD)/host/kernel/cap/kcall.o $(BUILD)/host/tests/host/kernel/kcall_test.o: $(CAPOS_SCHEMA_HEADERS)
$(eval $(call host_test,kcall,$(KCALL_TEST_SRCS)))

# The kernel's memcpy/memmove/memset/memcmp (kernel/arch/x86_64/string.c), renamed.
$(eval $(call host_test,kstring,tests/host/kernel/string_test.c))

# The first kernel capability objects (Console, Timer, BootPackage, VirtualMemory) through
# kcall_exec with fake backends.
KCAPS_TEST_SRCS := kernel/cap/console.c kernel/cap/timer.c kernel/cap/bootpkg.c \
	kernel/cap/vmcap.c kernel/cap/kcall.c kernel/cap/xfer.c kernel/cap/captab.c kernel/cap/kobj.c \
	$(CAPNP_SRCS) tests/host/kernel/kcaps_test.c
$(patsubst %,$(BUILD)/host/kernel/cap/%.o,console timer bootpkg vmcap) \
$(BUILD)/host/tests/host/kernel/kcaps_test.o: $(CAPOS_SCHEMA_HEADERS)
$(eval $(call host_test,kcaps,$(KCAPS_TEST_SRCS)))

# docs/abi.md completeness against include/capos/ (error codes -200..-255, opcodes,
# flags, syscalls, entry registers, fixed addresses, every pinned struct field).
TEST_SUITES += tests/host/abi/abi_doc_check.py
