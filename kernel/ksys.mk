# Machine-wide kernel caps of issue 7 (docs/entropy.md): the kernel CSPRNG
# (kernel/rng/krng.c) with EntropySource, SystemControl and SystemStatus (kernel/cap/,
# backends in kernel/proc/ksys.c), the foreign-code bracket and the hardware random
# source (arch). Named to sort after kernel/kernel.mk, which sets KERNEL_SRCS.
KERNEL_SRCS += kernel/rng/krng.c kernel/proc/ksys.c \
	kernel/cap/entropy.c kernel/cap/sysctl.c kernel/cap/sysstatus.c \
	$(KERNEL_ARCH)/foreign.c $(KERNEL_ARCH)/hwrng.c

# BearSSL from Debian's libbearssl-dev (tools/deps.sh). Only krng.c includes its
# headers (bearssl_hash.h wants <string.h>: kernel/rng/compat supplies the kernel's).
BEARSSL_A       := /usr/lib/x86_64-linux-gnu/libbearssl.a
BEARSSL_INCLUDE := /usr/include/bearssl
$(BUILD)/kernel/kernel/rng/krng.o: KERNEL_CFLAGS += -Ikernel/rng/compat -isystem $(BEARSSL_INCLUDE)

# The archive members the HMAC-DRBG over SHA-256 needs, nothing else: combined into one
# relocatable object whose undefined symbols must be exactly BEARSSL_UNDEF_OK (the
# fortify/stack-protector shims of kernel/arch/x86_64/foreign.c and the GOT base
# that ld.lld resolves; the GOT loads relax to lea). A new BearSSL needing anything
# more fails here, not at run time.
BEARSSL_MEMBERS  := hmac_drbg.o hmac.o sha2small.o dec32be.o enc32be.o
BEARSSL_UNDEF_OK := _GLOBAL_OFFSET_TABLE_ __memcpy_chk __stack_chk_fail
BEARSSL_DIR      := $(BUILD)/kernel/bearssl
BEARSSL_OBJ      := $(BEARSSL_DIR)/bearssl-drbg.o
AR_LLVM          := llvm-ar-16

$(BEARSSL_OBJ): $(BEARSSL_A) kernel/ksys.mk | $(DEPS_STAMP)
	@rm -rf $(BEARSSL_DIR) && mkdir -p $(BEARSSL_DIR)
	cd $(BEARSSL_DIR) && $(AR_LLVM) x $(BEARSSL_A) $(BEARSSL_MEMBERS)
	$(LD) -r -o $@.tmp $(addprefix $(BEARSSL_DIR)/,$(BEARSSL_MEMBERS))
	@undef=$$($(NM) -u $@.tmp | awk '{print $$2}' | sort | tr '\n' ' '); \
	 want=$$(printf '%s\n' $(BEARSSL_UNDEF_OK) | sort | tr '\n' ' '); \
	 [ "$$undef" = "$$want" ] || { echo "ksys.mk: BearSSL members need [$$undef]," \
		"expected [$$want]"; exit 1; }
	mv $@.tmp $@

KERNEL_FOREIGN_OBJS += $(BEARSSL_OBJ)
