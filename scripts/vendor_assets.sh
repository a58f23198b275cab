#!/usr/bin/env bash
# Copy the browser libraries fanzha serves itself (htmx, ECharts) from the npm registry's packages,
# pinned in assets/package-lock.json, into fanzha/web/static/vendor/. Police intranets have no
# internet, so no page may load anything from a CDN; nothing third-party is committed to git.
set -euo pipefail
cd "$(dirname "$0")/.."
target=fanzha/web/static/vendor
if [ -f "$target/.stamp" ] && cmp -s "$target/.stamp" assets/package-lock.json; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "错误：需要 npm（apt-get install -y nodejs npm） / Error: npm is required (apt-get install -y nodejs npm)" >&2
  exit 1
fi
npm ci --prefix assets --no-audit --no-fund --loglevel=error >/dev/null
mkdir -p "$target/htmx" "$target/echarts"
cp assets/node_modules/htmx.org/dist/htmx.min.js "$target/htmx/"
cp assets/node_modules/htmx.org/LICENSE "$target/htmx/LICENSE" 2>/dev/null || true
cp assets/node_modules/echarts/dist/echarts.min.js "$target/echarts/"
cp assets/node_modules/echarts/LICENSE "$target/echarts/LICENSE" 2>/dev/null || true
cp assets/package-lock.json "$target/.stamp"
