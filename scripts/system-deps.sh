#!/usr/bin/env bash
# Installs the Debian packages codeloop needs, when run as root; otherwise prints the apt line and stops.
set -euo pipefail
packages=(bubblewrap libseccomp2 cmake build-essential git chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Toolchains: a rustup or nodesource install on PATH is used as it is; otherwise Debian's packages.
command -v cargo >/dev/null 2>&1 || missing+=(rustc cargo rustfmt)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
# Rust coverage: llvm-profdata/llvm-cov of the same LLVM major as rustc (`rustc -vV`), when apt has it.
if command -v rustc >/dev/null 2>&1; then
  llvm_major=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
  if [ -n "$llvm_major" ] && ! command -v "llvm-cov-$llvm_major" >/dev/null 2>&1 \
    && ! dpkg-query -W -f='${Status}' "llvm-$llvm_major" 2>/dev/null | grep -q "install ok installed"; then
    if apt-cache show "llvm-$llvm_major" >/dev/null 2>&1; then
      missing+=("llvm-$llvm_major")
    else
      echo "note: no apt package llvm-$llvm_major; Rust coverage stays unavailable" >&2
    fi
  fi
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "codeloop needs these system packages; run as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
