# libcapos: the capOS userspace runtime (crt0, system calls, ring client, CapSet
# lookup, newlib OS hooks, TLS, heap) and the user linker script. Built in the user class defined by
# lib/newlib/newlib.mk; programs link it through the user_program macro there.
#
#   $(LIBCAPOS_CRT0)    crt0 object, linked first into every program
#   $(LIBCAPOS_A)       the runtime archive (one object per replaceable piece)
#   $(USER_LDSCRIPT)    user.ld with the image base from include/capos/layout.h

LIBCAPOS_SRCS := \
	lib/libcapos/start.c \
	lib/libcapos/guard.c \
	lib/libcapos/tls.c \
	lib/libcapos/tcb.c \
	lib/libcapos/heap.c \
	lib/libcapos/sys.c \
	lib/libcapos/ring.c \
	lib/libcapos/ring_self.c \
	lib/libcapos/capset.c \
	lib/libcapos/console.c \
	lib/libcapos/stdio_cap.c \
	lib/libcapos/kcaps.c \
	lib/libcapos/spawn.c \
	lib/libcapos/park.c \
	lib/libcapos/sync.c \
	lib/libcapos/nlock.c \
	lib/libcapos/terminal.c \
	lib/libcapos/client.c \
	lib/libcapos/server.c \
	lib/libcapos/server_ring.c \
	lib/libcapos/server_main.c \
	lib/libcapos/heap_vm.c \
	lib/libcapos/sbrk.c \
	lib/libcapos/time.c \
	lib/libcapos/hooks_fd.c \
	lib/libcapos/hooks_proc.c \
	lib/libcapos/hooks_none.c \
	lib/libcapos/thread.c \
	lib/libcapos/reent.c

# lib/capnp in the user class: libcapos encodes Console.write params with it, and
# programs use it for their own CALLs (archived with the runtime).
LIBCAPOS_CAPNP_SRCS := lib/capnp/read.c lib/capnp/build.c lib/capnp/copy.c lib/capnp/pack.c

LIBCAPOS_CRT0 := $(BUILD)/user/lib/libcapos/crt0.o
LIBCAPOS_A    := $(BUILD)/user/libcapos.a
USER_LDSCRIPT := $(BUILD)/user/user.ld

# Assembly pieces of the archive: the entry stub of threads libcapos starts.
LIBCAPOS_ASM_SRCS := lib/libcapos/thread_entry.S

$(LIBCAPOS_A): $(patsubst %.c,$(BUILD)/user/%.o,$(LIBCAPOS_SRCS) $(LIBCAPOS_CAPNP_SRCS)) \
		$(patsubst %.S,$(BUILD)/user/%.o,$(LIBCAPOS_ASM_SRCS))
	@mkdir -p $(@D)
	rm -f $@
	llvm-ar-16 rcs $@ $^

# console.c, kcaps.c, spawn.c, heap_vm.c, time.c and server*.c include the generated schema header (schema/schema.mk is read after this
# fragment, so the path and include directory are spelled out here).
LIBCAPOS_GEN_USERS := console kcaps spawn heap_vm time server server_ring server_main thread
$(patsubst %,$(BUILD)/user/lib/libcapos/%.o,$(LIBCAPOS_GEN_USERS)): $(BUILD)/gen/schema/capos.capnp.h
$(patsubst %,$(BUILD)/user/lib/libcapos/%.o,$(LIBCAPOS_GEN_USERS)): USER_CFLAGS += -I$(BUILD)/gen
# stdio_cap.c speaks StdIO (schema/session.capnp).
$(BUILD)/user/lib/libcapos/stdio_cap.o: $(BUILD)/gen/schema/session.capnp.h $(BUILD)/gen/schema/capos.capnp.h

# The linker script takes its addresses from the ABI header, the one place they are
# defined; the ULL suffixes C needs are stripped for the linker.
USER_LAYOUT_H := include/capos/layout.h
user_layout_value = $$(printf '\#include <capos/layout.h>\n%s\n' $(1) | \
	$(CC) -E -P -Iinclude -x c - | tail -n 1 | sed 's/[uUlL]*$$//')

$(USER_LDSCRIPT): lib/libcapos/user.ld.S $(USER_LAYOUT_H) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	base=$(call user_layout_value,CAPOS_USER_IMAGE_BASE); \
	page=$(call user_layout_value,CAPOS_PAGE_SIZE); \
	$(CC) -E -P -x c -DCAPOS_USER_IMAGE_BASE=$$base -DCAPOS_USER_PAGE_SIZE=$$page $< -o $@

ALL_TARGETS += $(LIBCAPOS_CRT0) $(LIBCAPOS_A) $(USER_LDSCRIPT)
