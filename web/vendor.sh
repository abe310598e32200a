#!/usr/bin/env bash
# Copy the dashboard's browser dependencies (MapLibre GL JS, and Swagger UI and ReDoc for
# the API description at /docs and /redoc; pinned in web/package.json and
# web/package-lock.json) from web/node_modules into src/roadsense/web/static/vendor/.
# Run from the repository root. Idempotent: installs with `npm ci` only when a file is
# missing or node_modules is older than the lock file, and copies only files that changed.
#
# MapLibre GL JS 6 ships as ES modules: maplibre-gl.mjs loads maplibre-gl-worker.mjs from
# the directory it was itself loaded from, so both must sit side by side in vendor/.
set -euo pipefail

web_dir="web"
vendor_dir="src/roadsense/web/static/vendor"
modules="${web_dir}/node_modules"
# source (under node_modules) -> name in vendor/
files=(
    "maplibre-gl/dist/maplibre-gl.mjs maplibre-gl.mjs"
    "maplibre-gl/dist/maplibre-gl-worker.mjs maplibre-gl-worker.mjs"
    "maplibre-gl/dist/maplibre-gl.css maplibre-gl.css"
    "maplibre-gl/LICENSE.txt maplibre-gl.LICENSE.txt"
    "swagger-ui-dist/swagger-ui-bundle.js swagger-ui-bundle.js"
    "swagger-ui-dist/swagger-ui.css swagger-ui.css"
    "swagger-ui-dist/favicon-32x32.png swagger-ui-favicon.png"
    "swagger-ui-dist/LICENSE swagger-ui.LICENSE.txt"
    "redoc/bundles/redoc.standalone.js redoc.standalone.js"
    "redoc/LICENSE redoc.LICENSE.txt"
)

if [[ ! -f "${web_dir}/package-lock.json" ]]; then
    echo "vendor.sh: ${web_dir}/package-lock.json not found; run this from the repository root" >&2
    exit 2
fi

missing=0
for pair in "${files[@]}"; do
    [[ -f "${modules}/${pair%% *}" ]] || missing=1
done
if [[ "${missing}" == 1 || "${web_dir}/package-lock.json" -nt "${modules}/.package-lock.json" ]]; then
    for tool in node npm; do
        if ! command -v "${tool}" >/dev/null 2>&1; then
            echo "vendor.sh: '${tool}' not found. The dashboard needs Node.js >= 20 with npm" >&2
            echo "  to fetch MapLibre GL JS, Swagger UI and ReDoc: install it (Debian/Ubuntu:" >&2
            echo "  apt-get install nodejs npm, or https://nodejs.org) and run 'make' again." >&2
            exit 1
        fi
    done
    npm ci --prefix "${web_dir}" --no-audit --no-fund
fi

mkdir -p "${vendor_dir}"
for pair in "${files[@]}"; do
    src="${modules}/${pair%% *}"
    dst="${vendor_dir}/${pair##* }"
    if [[ ! -f "${src}" ]]; then
        echo "vendor.sh: ${src} missing after npm ci; are web/package.json's pins right?" >&2
        exit 1
    fi
    if ! cmp -s "${src}" "${dst}"; then
        cp "${src}" "${dst}"
    fi
done
version() { node -p "require('./${modules}/$1/package.json').version" 2>/dev/null || echo '?'; }
echo "vendor.sh: MapLibre GL JS $(version maplibre-gl), Swagger UI $(version swagger-ui-dist)," \
    "ReDoc $(version redoc) in ${vendor_dir}"
