#!/usr/bin/env bash
# Copy the dashboard's browser dependencies (MapLibre GL JS, pinned in web/package.json and
# web/package-lock.json) from web/node_modules into src/roadsense/web/static/vendor/.
# Run from the repository root. Idempotent: installs with `npm ci` only when node_modules is
# missing or older than the lock file, and copies only files that changed.
#
# MapLibre GL JS 6 ships as ES modules: maplibre-gl.mjs loads maplibre-gl-worker.mjs from
# the directory it was itself loaded from, so both must sit side by side in vendor/.
set -euo pipefail

web_dir="web"
vendor_dir="src/roadsense/web/static/vendor"
dist="${web_dir}/node_modules/maplibre-gl/dist"
files=(maplibre-gl.mjs maplibre-gl-worker.mjs maplibre-gl.css)

if [[ ! -f "${web_dir}/package-lock.json" ]]; then
    echo "vendor.sh: ${web_dir}/package-lock.json not found; run this from the repository root" >&2
    exit 2
fi

if [[ ! -f "${dist}/maplibre-gl.mjs" || "${web_dir}/package-lock.json" -nt "${web_dir}/node_modules/.package-lock.json" ]]; then
    for tool in node npm; do
        if ! command -v "${tool}" >/dev/null 2>&1; then
            echo "vendor.sh: '${tool}' not found. The dashboard needs Node.js >= 20 with npm" >&2
            echo "  to fetch MapLibre GL JS: install it (Debian/Ubuntu: apt-get install nodejs npm," >&2
            echo "  or https://nodejs.org) and run 'make' again." >&2
            exit 1
        fi
    done
    npm ci --prefix "${web_dir}" --no-audit --no-fund
fi

mkdir -p "${vendor_dir}"
for f in "${files[@]}"; do
    if [[ ! -f "${dist}/${f}" ]]; then
        echo "vendor.sh: ${dist}/${f} missing after npm ci; is web/package.json pinned to maplibre-gl 6?" >&2
        exit 1
    fi
    if ! cmp -s "${dist}/${f}" "${vendor_dir}/${f}"; then
        cp "${dist}/${f}" "${vendor_dir}/${f}"
    fi
done
if ! cmp -s "${web_dir}/node_modules/maplibre-gl/LICENSE.txt" "${vendor_dir}/maplibre-gl.LICENSE.txt"; then
    cp "${web_dir}/node_modules/maplibre-gl/LICENSE.txt" "${vendor_dir}/maplibre-gl.LICENSE.txt"
fi
echo "vendor.sh: MapLibre GL JS $(node -p "require('./${web_dir}/node_modules/maplibre-gl/package.json').version" 2>/dev/null || echo '?') in ${vendor_dir}"
