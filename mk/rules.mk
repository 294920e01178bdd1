# Generic pattern rules, one per output class (see toolchain.mk). Every object depends
# order-only on the deps stamp, so a fresh machine installs packages before compiling,
# and (except host tools, which include the generator itself) order-only on every
# generated header, so a parallel build of a clean tree never compiles a file before
# the header it includes exists; -MMD tracks real changes afterwards. Fragments add to
# GENERATED_HEADERS (schema/schema.mk); second expansion reads it after they are parsed.
.SECONDEXPANSION:
GENERATED_HEADERS :=

$(BUILD)/kernel/%.o: %.c | $(DEPS_STAMP) $$(GENERATED_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel/%.o: %.S | $(DEPS_STAMP) $$(GENERATED_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(BUILD)/host/%.o: %.c | $(DEPS_STAMP) $$(GENERATED_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/tool/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/%.o: %.c | $(DEPS_STAMP) $$(GENERATED_HEADERS)
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
