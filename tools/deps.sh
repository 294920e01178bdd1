#!/usr/bin/env bash
# Installs every Debian package capOS needs to build, boot, test and benchmark.
# Idempotent: asks dpkg what is present and touches apt only when something is missing
# (then `apt-get update` once, and `--no-install-recommends` so GRUB's EFI package does
# not drag in shim and mokutil). Run by `make deps`, which `make`, `make run` and
# `make test` depend on. One package per line with the reason it is here.
set -euo pipefail

packages=(
  make python3                   # build driver, test-harness glue (stdlib only)
  clang-16 lld-16 llvm-16        # the one compiler/linker for kernel, user, host tools
  libclang-rt-16-dev             # ASan/UBSan/libFuzzer runtimes for host tests
  qemu-system-x86                # the emulator every boot test runs under (TCG)
  grub-common grub-pc-bin        # grub-mkrescue and the BIOS half of the ISO
  grub-efi-amd64-bin             # the UEFI half of the ISO
  xorriso mtools                 # grub-mkrescue's ISO and FAT (EFI image) writers
  ovmf                           # UEFI firmware for the UEFI boot test
  capnproto                      # the official schema compiler (capnp compile/convert/eval)
  libcapnp-dev                   # official C++ runtime: the benchmark's reference only
  g++                            # builds that benchmark
  binutils                       # objcopy/nm/readelf for image and symbol-table steps
  clang-format-14                # tests/format: the one .clang-format, applied by a check
  gdb                            # make gdb: kernel debugging over QEMU's gdb stub
  gcc libc6-dev                  # bench: static Linux-guest workloads (glibc static libs)
  busybox-static                 # bench: the Linux guest's /init shell and poweroff
  apt dpkg                       # bench: apt-get download + dpkg-deb of the guest kernel
  newlib-source                  # newlib 3.3.0 tarball: userspace libc/libm built by lib/newlib
  libbearssl-dev                 # kernel CSPRNG: HMAC-DRBG/SHA-256 members of libbearssl.a (docs/entropy.md)
  libargon2-dev                  # static libargon2.a: Argon2id in user/credstore (docs/credentials.md)
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "deps: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
