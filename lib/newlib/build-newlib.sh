#!/usr/bin/env bash
# Builds newlib 3.3.0 (libc.a, libm.a and headers) for capOS userspace from Debian's
# newlib-source tarball. Invoked by lib/newlib/newlib.mk, which owns the stamp that keeps
# this from running more than once; the recipe lives here (not in the fragment) so that
# editing make rules does not trigger a multi-minute rebuild, while editing the recipe does.
#
#   build-newlib.sh <tarball> <workdir> <user-cflags...>
#
# <workdir> receives install/ (prefix; libraries in install/x86_64-elf/lib, headers in
# install/x86_64-elf/include) and the configure/make logs. The unpacked tree and the
# object tree (~110 MB, thousands of files) are deleted once installed, so later make
# runs do not walk them. The remaining arguments are the target flags of our user ABI
# (lib/newlib/user-abi.flags), so libc and user programs share exactly one ABI.
# Under make's jobserver (recipe prefixed with `+`) the inner make takes its job slots
# from it; run by hand it uses NEWLIB_JOBS (default 2).
# Everything is decided and documented in docs/userspace.md ("newlib").
set -euo pipefail

tarball=$1
work=$2
shift 2
abi_cflags="$*"

start=$(date +%s)
rm -rf "$work/src" "$work/obj" "$work/install" "$work"/*.log
mkdir -p "$work/src" "$work/obj" "$work/install"
tar -xJf "$tarball" -C "$work/src" --strip-components=1
# Built with the machine's clang-16/llvm-16 only: no cross binutils exist for x86_64-elf.
tools=(
  CC_FOR_TARGET="clang-16 --target=x86_64-elf"
  AR_FOR_TARGET=llvm-ar-16
  RANLIB_FOR_TARGET=llvm-ranlib-16
  NM_FOR_TARGET=llvm-nm-16
  AS_FOR_TARGET="clang-16 --target=x86_64-elf -c"
  LD_FOR_TARGET=ld.lld-16
  OBJCOPY_FOR_TARGET=llvm-objcopy-16
  OBJDUMP_FOR_TARGET=llvm-objdump-16
  READELF_FOR_TARGET=llvm-readelf-16
  STRIP_FOR_TARGET=llvm-strip-16
)
# clang 16 makes implicit function declarations and int/pointer conversions errors;
# newlib 3.3.0 has both (first hit: libm/complex/ccoshl.c), so they are demoted back to
# warnings here instead of patching sources. -ffreestanding keeps clang from turning
# libc internals into calls of the very functions being defined.
cflags="-O2 -g0 -ffreestanding $abi_cflags \
  -Wno-implicit-function-declaration -Wno-int-conversion"

cd "$work/obj"
env "${tools[@]}" CFLAGS_FOR_TARGET="$cflags" \
  ../src/configure --target=x86_64-elf --prefix="$work/install" \
    --disable-multilib --disable-libgloss --disable-nls \
    --disable-newlib-supplied-syscalls \
    --enable-newlib-io-c99-formats \
    --enable-newlib-io-long-long \
    --enable-newlib-retargetable-locking \
    --disable-newlib-register-fini \
    > configure.log 2>&1 || { tail -40 configure.log; exit 1; }
if [[ "${MAKEFLAGS:-}" == *jobserver* ]]; then
  jobs=()
else
  jobs=(-j"${NEWLIB_JOBS:-2}")
fi
make "${jobs[@]}" all-target-newlib > make.log 2>&1 || { grep -m20 -B2 -A5 'error' make.log; tail -20 make.log; exit 1; }
make install-target-newlib > install.log 2>&1 || { tail -40 install.log; exit 1; }
mv configure.log make.log install.log "$work/"
cd "$work"
rm -rf "$work/src" "$work/obj"
# libg.a is a byte-identical copy of libc.a that nothing here uses.
rm -f "$work/install/x86_64-elf/lib/libg.a"
# newlib 3.3.0's malloc (libc/stdlib/mallocr.c, built without HAVE_USR_INCLUDE_MALLOC_H)
# returns its own struct mallinfo of ten ints, while the installed <malloc.h> declares
# ten size_t fields: a caller would read garbage from the sixth field on. The header is
# made to say what the library returns; exactly the ten fields must change.
malloc_h="$work/install/x86_64-elf/include/malloc.h"
fixed=$(sed -n '/^struct mallinfo {/,/^};/p' "$malloc_h" | grep -c '^  size_t ') || true
if [[ "$fixed" != 10 ]]; then
  echo "newlib: expected 10 size_t fields in struct mallinfo of $malloc_h, found $fixed" >&2
  exit 1
fi
sed -i '/^struct mallinfo {/,/^};/s/^  size_t /  int /' "$malloc_h"
echo "newlib: built in $(( $(date +%s) - start )) s (logs in $work)"
