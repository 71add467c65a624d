#!/usr/bin/env bash
# Installs what building and testing Titan needs, idempotently: Debian packages,
# the wasm32 target, cargo-leptos, wasm-bindgen-cli matching Cargo.lock, s3s-fs,
# and the npm devDependencies (Tailwind v4, binaryen's wasm-opt, Playwright).
# When everything is present it only checks versions and returns in a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
DEBIAN_PACKAGES=(postgresql redis-server sqlite3 chromium ffmpeg fonts-dejavu-core curl procps wrk)

log() { printf '\033[1;34msetup:\033[0m %s\n' "$*"; }

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes a while once)"
  cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
fi

wbg_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$wbg_version"; then
  log "installing wasm-bindgen-cli $wbg_version (matches Cargo.lock)"
  cargo install wasm-bindgen-cli --version "$wbg_version" --force
fi

# An S3-protocol server for the object-storage tests (files on disk, loopback
# only). 0.14 is the last release that builds with Rust 1.95.
S3S_FS_VERSION=0.14.1
if ! s3s-fs --version 2>/dev/null | grep -q "$S3S_FS_VERSION"; then
  log "installing s3s-fs $S3S_FS_VERSION (takes a few minutes once)"
  cargo install s3s-fs --version "$S3S_FS_VERSION" --features binary --locked
fi

stamp=node_modules/.titan-installed
if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  log "installing npm devDependencies"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
  touch "$stamp"
fi
