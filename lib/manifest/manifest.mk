# lib/manifest: decode, validate and merge SystemManifests (lib/include/manifest/manifest.h,
# docs/manifest.md). Freestanding, no allocation. Built in four classes: tool
# (tools/mkmanifest), host (tests/host/mgraph.mk), fuzz (tests/fuzz/mgraph.mk) and user
# (user/init lists the sources itself). The kernel links only iface.c (the interface
# table, kernel-source mapping and image check its own decoder shares).
MANIFEST_LIB_SRCS := lib/manifest/iface.c lib/manifest/report.c lib/manifest/decode.c \
	lib/manifest/validate.c lib/manifest/merge.c
MANIFEST_LIB_TOOL_OBJS := $(patsubst %.c,$(BUILD)/tool/%.o,$(MANIFEST_LIB_SRCS))
MANIFEST_LIB_FUZZ_OBJS := $(patsubst %.c,$(BUILD)/fuzz/%.o,$(MANIFEST_LIB_SRCS))
MANIFEST_IFACE_FUZZ_OBJ := $(BUILD)/fuzz/lib/manifest/iface.o

KERNEL_SRCS += lib/manifest/iface.c
# Generated headers: order-only for every class but tools (mk/rules.mk); the tool objects
# get them in tools/mkmanifest/mkmanifest.mk (read after schema/schema.mk).
