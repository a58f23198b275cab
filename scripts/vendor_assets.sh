#!/usr/bin/env bash
# Refresh the browser libraries fanzha serves itself (htmx, ECharts) in fanzha/web/static/vendor/
# from the npm packages pinned in assets/package-lock.json, with their licences.
#
# The copies are committed, so that `pip install .` and a fresh clone carry them without npm or a
# network (police intranets have no internet, and no page may load anything from a CDN). Run this
# only after changing the pins in assets/package.json (npm install --prefix assets); it needs npm.
# Without changes to the lock file (vendor/.stamp is a copy of it) it does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
target=fanzha/web/static/vendor
if [ -f "$target/.stamp" ] && cmp -s "$target/.stamp" assets/package-lock.json; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "错误：更新前端库需要 npm（apt-get install -y nodejs npm） / Error: npm is required to refresh the vendored libraries" >&2
  exit 1
fi
npm ci --prefix assets --no-audit --no-fund --loglevel=error >/dev/null
rm -rf "$target/htmx" "$target/echarts"
mkdir -p "$target/htmx" "$target/echarts"
cp assets/node_modules/htmx.org/dist/htmx.min.js assets/node_modules/htmx.org/LICENSE "$target/htmx/"
cp assets/node_modules/echarts/dist/echarts.min.js assets/node_modules/echarts/LICENSE \
  assets/node_modules/echarts/NOTICE "$target/echarts/"
cp assets/node_modules/echarts/licenses/LICENSE-* "$target/echarts/"
cp assets/package-lock.json "$target/.stamp"
echo "已更新 $target，请提交 / refreshed $target; commit it"
