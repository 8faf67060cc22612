#!/usr/bin/env bash
# Vendor svg-pan-zoom into docs/assets/svg-pan-zoom/ so the docs site can zoom and pan the
# computation graphs with no network.
#
# Usage: scripts/vendor_svg_pan_zoom.sh [VERSION]      (default: the version pinned below)
#
# Fetches the package tarball with `npm pack` (the ordinary npm client) into a temporary
# directory, copies the minified script and the BSD licence, and records the version. The
# result is committed; the build never fetches it.
set -euo pipefail

version="${1:-3.6.2}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo_root/docs/assets/svg-pan-zoom"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "svg-pan-zoom@$version" >/dev/null)
tar -xzf "$work"/svg-pan-zoom-"$version".tgz -C "$work"

rm -rf "$dest"
mkdir -p "$dest"
# The build's trailing source-map comment would point at a file the site does not ship.
sed '/^\/\/# sourceMappingURL=/d' "$work/package/dist/svg-pan-zoom.min.js" >"$dest/svg-pan-zoom.min.js"
cp "$work/package/LICENSE" "$dest/LICENSE"
printf 'svg-pan-zoom %s (npm package "svg-pan-zoom"), BSD-2-Clause licence: see LICENSE.\n' \
  "$version" >"$dest/VERSION"
echo "vendored svg-pan-zoom $version into ${dest#"$repo_root"/}"
