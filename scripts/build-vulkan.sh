#!/usr/bin/env bash
# Builds the addon with ggml's Vulkan backend into build/vulkan/persian_lora.node, for the tests on Mesa's lavapipe
# (a software Vulkan device on the CPU) on Debian 12. What the pinned llama.cpp needs there:
#   - Vulkan headers newer than Debian 12's 1.3.239 (which lacks vk::LayerSettingEXT): the headers only of Debian 13's
#     libvulkan-dev and spirv-headers, downloaded with apt-get (an apt state of its own, the system's is untouched)
#     and unpacked into build/vulkan/sdk; the loader library stays Debian 12's;
#   - Debian 12's glslc (2023.2, no GL_KHR_cooperative_matrix), with third_party/patches/*.patch applied to a copy of
#     the tree (third_party/patches/series.json records what each patch is for and its checksum);
#   - at run time mesa-vulkan-drivers and GGML_VK_VISIBLE_DEVICES=0 (ggml hides CPU-type devices otherwise).
# `--install` first installs the Debian 12 packages (root). The output folder is build/vulkan (BUILD_DIR overrides it).
# SANITIZE="-fsanitize=address -fno-omit-frame-pointer -g" compiles everything (llama.cpp included) and links with those
# flags, for a sanitizer build in a folder of its own (BUILD_DIR); run it with the sanitizer's runtime preloaded into Node.
# The first build took 2.6 minutes on 2 idle cores (about 20 on busy ones); later runs rebuild only what changed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${BUILD_DIR:-$root/build/vulkan}"
sdk="$out/sdk"
tree="$out/llama.cpp"
jobs="${JOBS:-$(nproc)}"
say() { echo "[build-vulkan] $*" >&2; }

if [[ "${1:-}" == "--install" ]]; then
  say "installing Debian 12's glslc, Vulkan loader and lavapipe (mesa-vulkan-drivers)"
  sudo=""
  [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq glslc libvulkan1 libvulkan-dev mesa-vulkan-drivers patch >&2
fi
for tool in glslc cmake patch dpkg-deb; do
  command -v "$tool" >/dev/null || { say "$tool is missing: run \`$0 --install\` (Debian 12, as root) or install it"; exit 1; }
done
[[ -f "$root/third_party/llama.cpp/CMakeLists.txt" ]] || { say "third_party/llama.cpp is missing: run \`node scripts/vendor-llama.mjs\` first"; exit 1; }

# 1. Debian 13's Vulkan and SPIR-V headers, unpacked (not installed) into $sdk.
if [[ ! -f "$sdk/usr/include/vulkan/vulkan.hpp" || ! -d "$sdk/usr/include/spirv" ]]; then
  say "downloading Debian 13's libvulkan-dev and spirv-headers (headers only) into $sdk"
  apt_dir="$out/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$sdk"
  # the Debian mirror this machine's apt already uses (its first main-archive URI), with Debian 13's suite
  mirror=$(apt-get indextargets --format '$(REPO_URI)' 'Created-By: Packages' 2>/dev/null | grep -v -- '-security' | head -n 1)
  [[ -n "$mirror" ]] || { say "no Debian mirror found in this machine's apt sources"; exit 1; }
  echo "deb ${mirror%/} trixie main" > "$apt_dir/sources.list"
  apt_opts=(-o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/nonexistent
            -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" -o APT::Get::List-Cleanup=0
            -o Debug::NoLocking=1)
  apt-get "${apt_opts[@]}" update -qq >&2
  (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download libvulkan-dev spirv-headers >&2)
  for deb in "$apt_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$sdk"; done
fi

# 2. A copy of the vendored tree with the patches applied: hard links, except for the files a patch changes.
# The patches of third_party/patches/series.json, in its order, each checked by its sha256.
mapfile -t patches < <(node -e "
  const s = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
  for (const p of s.patches) console.log(p.file + ' ' + p.sha256);" "$root/third_party/patches/series.json")
for entry in "${patches[@]}"; do
  read -r file sum <<< "$entry"
  echo "$sum  $root/third_party/patches/$file" | sha256sum --check --quiet - >&2 ||
    { say "third_party/patches/$file does not match its sha256 in series.json"; exit 1; }
done
stamp="$tree/.persian-lora-patches"
want="$(printf '%s\n' "${patches[@]}" | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  say "copying third_party/llama.cpp to $tree and applying third_party/patches"
  rm -rf "$tree"
  mkdir -p "$tree"
  cp -al "$root/third_party/llama.cpp/." "$tree/" 2>/dev/null || cp -a "$root/third_party/llama.cpp/." "$tree/"
  rm -rf "$tree/.git"
  for entry in "${patches[@]}"; do
    p="$root/third_party/patches/${entry%% *}"
    for f in $(sed -n 's#^+++ b/##p' "$p"); do cp --remove-destination "$root/third_party/llama.cpp/$f" "$tree/$f"; done
    patch -d "$tree" -p1 --forward --quiet < "$p"
  done
  echo "$want" > "$stamp"
fi

# 3. The addon, through cmake-js as scripts/build-native.mjs builds it.
cmake_js="$(cd "$root" && node -e "
  const { cmakeJsBin } = await import('./scripts/build-native.mjs'); console.log(cmakeJsBin());" --input-type=module)"
args=(--directory "$root" --out "$out/cmake" --parallel "$jobs" --log-level warn
      --CDPERSIAN_LORA_GPU=vulkan "--CDPERSIAN_LORA_LLAMA_DIR=$tree"
      "--CDVulkan_INCLUDE_DIR=$sdk/usr/include" "--CDCMAKE_PREFIX_PATH=$sdk/usr")
if [[ -n "${SANITIZE:-}" ]]; then
  # in the Release configuration's flags: cmake-js sets CMAKE_CXX_FLAGS and CMAKE_SHARED_LINKER_FLAGS itself
  args+=("--CDCMAKE_C_FLAGS_RELEASE=-O3 -DNDEBUG $SANITIZE" "--CDCMAKE_CXX_FLAGS_RELEASE=-O3 -DNDEBUG $SANITIZE"
         "--CDCMAKE_SHARED_LINKER_FLAGS_RELEASE=$SANITIZE")
fi
started=$SECONDS
say "building (backend vulkan, $jobs jobs) in $out/cmake"
node "$cmake_js" configure "${args[@]}" >&2
node "$cmake_js" build "${args[@]}" >&2
cp "$out/cmake/Release/persian_lora.node" "$out/persian_lora.node.tmp"
mv "$out/persian_lora.node.tmp" "$out/persian_lora.node"
say "done in $((SECONDS - started)) s: $out/persian_lora.node (run with GGML_VK_VISIBLE_DEVICES=0 PERSIAN_LORA_ADDON=$out/persian_lora.node)"
