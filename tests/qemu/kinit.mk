# The kernel starts init from the boot manifest (tests/qemu/init_tests.py): the default
# boot module and hostile modules built with tools/mkmanifest.
#   noconsole.manifest  init granted no Console (tests/qemu/kinit/noconsole.capnp)
#   badelf.manifest     the default manifest whose init image has a corrupt header
#                       (ELF identification intact, e_phoff far past the file)
#   badelf.elf          that image
#   tlsbig.manifest     init's PT_TLS p_memsz set to 2 MiB (the loader's bound is 1 MiB)
#   tlsalign.manifest   init's PT_TLS p_align set to 24 (not a power of two)
#   badgraph.manifest   init fine, service "ghost" names no binary: the kernel starts
#                       init, init's own validation refuses the graph
#                       (tests/qemu/kinit/badgraph.capnp; image embedded by capnp, since
#                       mkmanifest refuses such a graph)
KINIT_TEST_DIR  := $(QEMU_TEST_DIR)/kinit
KINIT_NOCONSOLE := $(KINIT_TEST_DIR)/noconsole.manifest
KINIT_BADELF    := $(KINIT_TEST_DIR)/badelf.manifest
KINIT_BADELF_IMAGE := $(KINIT_TEST_DIR)/badelf.elf
KINIT_BADGRAPH  := $(KINIT_TEST_DIR)/badgraph.manifest

$(KINIT_TEST_DIR)/noconsole.bin: tests/qemu/kinit/noconsole.capnp $(CAPOS_SCHEMAS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CAPNP) eval --binary -I. $< noconsole > $@.tmp
	mv $@.tmp $@

$(KINIT_NOCONSOLE): $(KINIT_TEST_DIR)/noconsole.bin $(BUILD)/tool/mkmanifest $(BUILD)/user/init.elf
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -o $@.tmp $<
	mv $@.tmp $@

# Bytes 32..39 are e_phoff (ELF64 header); 2^40 is past any image mkmanifest accepts.
$(KINIT_BADELF_IMAGE): $(BUILD)/user/init.elf
	@mkdir -p $(@D)
	$(PYTHON) -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[32:40] = (1 << 40).to_bytes(8, "little"); open(sys.argv[2], "wb").write(b)' $< $@.tmp
	mv $@.tmp $@

# (-d: the default system's services keep their own images; -b replaces init's.)
$(KINIT_BADELF): $(BOOT_SYSTEM) $(KINIT_BADELF_IMAGE) $(BUILD)/tool/mkmanifest $(DEMO_BINARIES)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -b init=$(KINIT_BADELF_IMAGE) -o $@.tmp \
		$(BOOT_SYSTEM)
	mv $@.tmp $@

# Hostile PT_TLS headers (tests/qemu/kinit/elf_tls_patch.py): the loader refuses both
# with CAPOS_ERR_ELF_BAD_TLS before mapping anything.
KINIT_TLSBIG   := $(KINIT_TEST_DIR)/tlsbig.manifest
KINIT_TLSALIGN := $(KINIT_TEST_DIR)/tlsalign.manifest
$(KINIT_TEST_DIR)/tlsbig.elf: $(BUILD)/user/init.elf tests/qemu/kinit/elf_tls_patch.py
	@mkdir -p $(@D)
	$(PYTHON) tests/qemu/kinit/elf_tls_patch.py $< $@.tmp memsz 0x200000
	mv $@.tmp $@
$(KINIT_TEST_DIR)/tlsalign.elf: $(BUILD)/user/init.elf tests/qemu/kinit/elf_tls_patch.py
	@mkdir -p $(@D)
	$(PYTHON) tests/qemu/kinit/elf_tls_patch.py $< $@.tmp align 24
	mv $@.tmp $@
$(KINIT_TEST_DIR)/tls%.manifest: $(BOOT_SYSTEM) $(KINIT_TEST_DIR)/tls%.elf $(BUILD)/tool/mkmanifest \
		$(DEMO_BINARIES)
	$(BUILD)/tool/mkmanifest -d $(BUILD)/user -b init=$(KINIT_TEST_DIR)/tls$*.elf -o $@.tmp \
		$(BOOT_SYSTEM)
	mv $@.tmp $@

$(KINIT_BADGRAPH): tests/qemu/kinit/badgraph.capnp $(CAPOS_SCHEMAS) $(BUILD)/user/init.elf \
		| $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CAPNP) eval --binary -I. -I$(BUILD) $< badgraph > $@.tmp
	mv $@.tmp $@

TEST_SUITES += tests/qemu/init_tests.py
TEST_DEPS   += $(KERNEL_ELF) $(BOOT_MODULE) $(ISO) $(KINIT_NOCONSOLE) $(KINIT_BADELF) \
	$(KINIT_TLSBIG) $(KINIT_TLSALIGN) $(KINIT_BADGRAPH)
