# Generic pattern rules, one per output class (see toolchain.mk). Every object depends
# order-only on the deps stamp, so a fresh machine installs packages before compiling,
# and (except host tools, which include the generator itself) order-only on every
# generated header, so a parallel build of a clean tree never compiles a file before
# the header it includes exists; -MMD tracks real changes afterwards. Fragments add to
# GENERATED_HEADERS (schema/schema.mk); second expansion reads it after they are parsed.
.SECONDEXPANSION:
GENERATED_HEADERS :=

# Make compares only timestamps, so a changed compiler flag (say -flto added to
# KERNEL_CFLAGS) would leave stale objects. Each class's command line is kept in
# $(BUILD)/flags/<class>, rewritten only when it differs; objects depend on it.
# (Target-specific additions in fragments are not captured; global changes are.)
FLAGS_DIR := $(BUILD)/flags
write_if_changed = mkdir -p $(dir $(1)) && printf '%s\n' '$(2)' | cmp -s - $(1) || printf '%s\n' '$(2)' > $(1)

.PHONY: FORCE
FORCE:

$(FLAGS_DIR)/kernel: FORCE
	@$(call write_if_changed,$@,$(CC) $(KERNEL_CFLAGS) | $(KERNEL_ASFLAGS))
$(FLAGS_DIR)/host: FORCE
	@$(call write_if_changed,$@,$(CC) $(HOST_CFLAGS))
$(FLAGS_DIR)/tool: FORCE
	@$(call write_if_changed,$@,$(CC) $(TOOL_CFLAGS))
$(FLAGS_DIR)/fuzz: FORCE
	@$(call write_if_changed,$@,$(CC) $(FUZZ_CFLAGS))

$(BUILD)/kernel/%.o: %.c $(FLAGS_DIR)/kernel | $(DEPS_STAMP) $$(GENERATED_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel/%.o: %.S $(FLAGS_DIR)/kernel | $(DEPS_STAMP) $$(GENERATED_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(BUILD)/host/%.o: %.c $(FLAGS_DIR)/host | $(DEPS_STAMP) $$(GENERATED_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/tool/%.o: %.c $(FLAGS_DIR)/tool | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/%.o: %.c $(FLAGS_DIR)/fuzz | $(DEPS_STAMP) $$(GENERATED_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_CFLAGS) -c $< -o $@

# host_test(name, objects...): a sanitized host test binary registered as a suite.
# Usage in a fragment:
#   $(eval $(call host_test,fmt,lib/fmt/fmt.c tests/host/fmt_test.c))
define host_test
$(BUILD)/tests/host/$(1).t: $$(patsubst %.c,$(BUILD)/host/%.o,$(2) tests/host/test_main.c)
	@mkdir -p $$(@D)
	$$(CC) $$(HOST_LDFLAGS) -o $$@ $$^
TEST_SUITES += $(BUILD)/tests/host/$(1).t
endef
