# user/truemin: the trivial child of the spawn benchmark (bench/spawn/spawn_bench.py):
# one .S file, no crt0, libcapos or newlib; _start exits 0.
$(BUILD)/user/truemin.elf: $(BUILD)/user/user/truemin/truemin.o $(USER_LDSCRIPT)
	@mkdir -p $(@D)
	$(LD) $(USER_LDFLAGS) -T $(USER_LDSCRIPT) -o $@ $<
