#!/usr/bin/env bash
# Vendor KaTeX into docs/assets/katex/ so the docs site renders maths with no network.
#
# Usage: scripts/vendor_katex.sh [VERSION]      (default: the version pinned below)
#
# Fetches the package tarball with `npm pack` (the ordinary npm client) into a temporary
# directory, copies the minified script, stylesheet, auto-render extension, fonts and the
# MIT licence, and records the version. The result is committed; the build never fetches it.
set -euo pipefail

version="${1:-0.19.1}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo_root/docs/assets/katex"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "katex@$version" >/dev/null)
tar -xzf "$work"/katex-"$version".tgz -C "$work"

rm -rf "$dest"
mkdir -p "$dest/contrib" "$dest/fonts"
cp "$work/package/dist/katex.min.js" "$work/package/dist/katex.min.css" "$dest/"
cp "$work/package/dist/contrib/auto-render.min.js" "$dest/contrib/"
cp "$work"/package/dist/fonts/* "$dest/fonts/"
cp "$work/package/LICENSE" "$dest/LICENSE"
printf 'KaTeX %s (npm package "katex"), MIT licence: see LICENSE.\n' "$version" >"$dest/VERSION"
echo "vendored KaTeX $version into ${dest#"$repo_root"/}"
