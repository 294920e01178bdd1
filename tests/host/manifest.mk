# Host tests of the boot manifest: the kernel's decoder (kernel/boot/manifest.c) over
# valid and hostile manifests, and tools/mkmanifest's rejections (mkmanifest_test.py).
MANIFEST_TEST_SRCS := kernel/boot/manifest.c lib/manifest/iface.c tests/host/manifest/manifest_test.c \
	lib/capnp/read.c lib/capnp/build.c lib/capnp/copy.c lib/capnp/pack.c
$(eval $(call host_test,manifest,$(MANIFEST_TEST_SRCS)))
$(BUILD)/host/kernel/boot/manifest.o $(BUILD)/host/tests/host/manifest/manifest_test.o: \
	HOST_CFLAGS += -Ikernel/include
$(BUILD)/host/kernel/boot/manifest.o $(BUILD)/host/tests/host/manifest/manifest_test.o: \
	$(CAPOS_SCHEMA_HEADERS)

TEST_SUITES += tests/host/manifest/mkmanifest_test.py
TEST_DEPS   += $(BUILD)/tool/mkmanifest $(BUILD)/user/init.elf
