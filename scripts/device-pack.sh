#!/usr/bin/env bash
# `npm run device:pack`: packs what the GPU benchmark needs into .device-kit/ (ignored) within the device tool's limits.
#
# The device machine gets the working tree and the folders `carry` names, 64 MiB in all, and has no npm. So the kit is:
# node and onnxruntime-node's Linux x64 library, xz-compressed; the real SDXL skeleton graphs (fp16) and fill.mjs, which
# writes their weights on the device's own disk; bench:real bundled into one .mjs; the Vulkan loader (.gl/, a Debian
# package); and, when a local mirror of diffusers exists, its source for the native PyTorch anchor.
#   scripts/device-pack.sh           build .device-kit/ (each part is rebuilt only when missing)
#   scripts/device-pack.sh --park    then remove test-data/ and docs/ from the working tree (tracked and unchanged), so
#                                    the tree that travels fits; `--unpark` (or `git checkout -- test-data docs`) restores
set -euo pipefail
cd "$(dirname "$0")/.."

SKELETON=${SKELETON:-../shared/fixtures/sdxl-skeleton}
DIFFUSERS_GIT=${DIFFUSERS_GIT:-/work/.mirror/huggingface+diffusers/repo}
KIT=.device-kit
PARKED='test-data docs'

case "${1:-}" in
  --unpark)
    git checkout -- $PARKED
    echo "restored: $PARKED"
    exit 0
    ;;
esac

mkdir -p "$KIT" .gl
grep -qx '/.gl/' .git/info/exclude 2>/dev/null || echo '/.gl/' >>.git/info/exclude

# node: the same major as here (the bundle targets it); about 24 MB compressed.
[ -s "$KIT/node.xz" ] || xz -T0 -6 -c "$(command -v node)" >"$KIT/node.xz"

# onnxruntime-node: its JS, onnxruntime-common, and the Linux x64 native library only (about 13 MB compressed).
if [ ! -s "$KIT/ort.tar.xz" ]; then
  tar -C node_modules -cf - onnxruntime-node/package.json onnxruntime-node/dist onnxruntime-node/bin/napi-v6/linux/x64 \
    onnxruntime-common/package.json onnxruntime-common/dist | xz -T0 -6 >"$KIT/ort.tar.xz"
fi

# The skeleton: fp16 and fp32 graphs, configs, tokenizers and manifest, without any data file; fill.mjs writes the weights there.
if [ ! -s "$KIT/skeleton.tar.xz" ]; then
  tar -C "$(dirname "$SKELETON")" --exclude='*.onnx_data*' -cf - \
    "$(basename "$SKELETON")/fill.mjs" "$(basename "$SKELETON")/fp16" "$(basename "$SKELETON")/fp32" | xz -T0 -6 >"$KIT/skeleton.tar.xz"
fi

# bench:real as one file for plain node (onnxruntime-node stays external: it is in the kit).
npm run --silent bench:real:bundle
cp .bench/bench-real.mjs "$KIT/bench-real.mjs"

# The Vulkan loader: the device image has the NVIDIA driver's ICD but may lack libvulkan.so.1.
if ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
  mkdir -p /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update >/dev/null && (cd .gl && apt-get $o download libvulkan1)
fi

# diffusers' source for the PyTorch anchor (the device has torch and transformers, not diffusers). Optional.
if [ ! -s "$KIT/diffusers.tar.xz" ] && [ -d "$DIFFUSERS_GIT" ]; then
  git --git-dir="$DIFFUSERS_GIT" archive --format=tar HEAD src/diffusers | xz -T0 -6 >"$KIT/diffusers.tar.xz"
fi

if [ "${1:-}" = "--park" ]; then
  git diff --quiet -- $PARKED || { echo "refusing to park: $PARKED have local changes" >&2; exit 1; }
  rm -rf $PARKED
  echo "parked (removed; restore with: scripts/device-pack.sh --unpark): $PARKED"
fi

du -b "$KIT"/* .gl/* | awk '{ s += $1; printf "%8.1f MB  %s\n", $1 / 1e6, $2 } END { printf "%8.1f MB  kit + .gl\n", s / 1e6 }'
tree_bytes=$(git ls-files -z | while IFS= read -r -d '' f; do [ -f "$f" ] && stat -c %s "$f"; done | awk '{ s += $1 } END { print s + 0 }')
echo "working tree (tracked files present): $((tree_bytes / 1000000)) MB; limit 64 MiB with the carried folders"
echo 'run on the device:  command "bash scripts/device-bench.sh", carry [".device-kit", ".gl"]'
