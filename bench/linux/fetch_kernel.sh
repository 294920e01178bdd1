#!/usr/bin/env bash
# Fetches the Linux kernel for the benchmark guest into OUTDIR (a build/ directory),
# without installing anything into the host: resolves Debian's concrete kernel package
# behind the `linux-image-amd64` metapackage (`apt-cache depends`), downloads the .deb
# with `apt-get download` into OUTDIR/deb/ (reused when already there), and unpacks only
# its ./boot/ (bzImage, config, System.map; the 400 MB of modules are not needed) with
# `dpkg-deb --fsys-tarfile`. Leaves OUTDIR/vmlinuz, OUTDIR/config and OUTDIR/package
# (name and version). Run by bench/bench.mk; idempotent and offline once cached.
#
# Usage: fetch_kernel.sh OUTDIR
set -euo pipefail
out=${1:?usage: fetch_kernel.sh OUTDIR}
mkdir -p "$out/deb"
out=$(cd "$out" && pwd)

deb=$(ls "$out"/deb/linux-image-*.deb 2>/dev/null | head -n 1 || true)
if [[ -z "$deb" ]]; then
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
  if [[ -z "$pkg" ]]; then
    # The package lists may be missing on a fresh machine: refresh once and retry.
    apt-get update -qq
    pkg=$(apt-cache depends linux-image-amd64 |
          awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
  fi
  [[ -n "$pkg" ]] || { echo "fetch_kernel: cannot resolve linux-image-amd64" >&2; exit 1; }
  echo "fetch_kernel: downloading $pkg"
  # apt's _apt sandbox user cannot write into build/; the download is then done as the
  # invoking user, which apt reports with a harmless warning we filter out.
  (cd "$out/deb" && apt-get download -q "$pkg" 2>&1 | grep -v 'unsandboxed' || true)
  deb=$(ls "$out"/deb/"$pkg"_*.deb 2>/dev/null | head -n 1 || true)
  [[ -n "$deb" ]] || { echo "fetch_kernel: apt-get download $pkg failed" >&2; exit 1; }
fi

rm -rf "$out/root.tmp"
mkdir -p "$out/root.tmp"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out/root.tmp" ./boot
vmlinuz=$(ls "$out"/root.tmp/boot/vmlinuz-* | head -n 1)
cp "$out"/root.tmp/boot/config-* "$out/config"
dpkg-deb -f "$deb" Package Version > "$out/package"
mv "$vmlinuz" "$out/vmlinuz"
rm -rf "$out/root.tmp"
echo "fetch_kernel: $(tr '\n' ' ' < "$out/package")-> $out/vmlinuz"
