# User-space toolchain tests (issue 4, userland part): programs built with the user
# class, newlib and libcapos, driven by tests/user/user_tests.py.
#   $(BUILD)/user/newlib_smoke.elf        real libcapos: checked statically (readelf)
#   $(BUILD)/user/host/<prog>.elf         tests/user/linux_shim.c replaces the syscall
#                                         layer and console: runs on the Linux host

USER_TEST_HOST_PROGS := newlib_smoke abort_prog smash_prog badtls_prog

$(eval $(call user_program,newlib_smoke,tests/user/newlib_smoke.c))
$(foreach p,$(USER_TEST_HOST_PROGS),\
  $(eval $(call user_program,host/$(p),tests/user/linux_shim.c tests/user/$(p).c)))

TEST_SUITES += tests/user/user_tests.py
TEST_DEPS += $(BUILD)/user/newlib_smoke.elf $(patsubst %,$(BUILD)/user/host/%.elf,$(USER_TEST_HOST_PROGS))
