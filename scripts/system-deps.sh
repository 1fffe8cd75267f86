#!/usr/bin/env bash
# Installs the Debian packages codeloop needs, when run as root; otherwise prints the apt line and stops.
# Optional ones (Rust coverage) are tried after, and a failure there only prints a note.
set -euo pipefail
packages=(bubblewrap libseccomp2 cmake build-essential git chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Toolchains: a rustup or nodesource install on PATH is used as it is; otherwise Debian's packages.
command -v cargo >/dev/null 2>&1 || missing+=(rustc cargo rustfmt)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "codeloop needs these system packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi
# Rust coverage (optional): llvm-profdata/llvm-cov of rustc's LLVM major (`rustc -vV`), from
# Debian's llvm-<major>. Without them Rust tests still run; coverage is reported unavailable.
command -v rustc >/dev/null 2>&1 || exit 0
llvm_major=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
[ -n "$llvm_major" ] || exit 0
command -v "llvm-cov-$llvm_major" >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "note: for Rust coverage, as root: apt-get install -y llvm-$llvm_major" >&2
  exit 0
fi
{ apt-get update -qq && apt-get install -y -qq "llvm-$llvm_major"; } \
  || echo "note: llvm-$llvm_major not installed; Rust coverage stays unavailable" >&2
