#!/usr/bin/env bash
# Create .venv with Python 3.11+, install the pinned dependencies from requirements.lock and fanzha
# itself (editable), and vendor the browser libraries. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "错误：需要 Python 3.11 或更新版本 / Error: Python 3.11+ is required (set PYTHON=...)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=.venv/.fanzha-lock
if ! cmp -s requirements.lock "$stamp" 2>/dev/null; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
  .venv/bin/uv pip install --quiet --python .venv/bin/python -r requirements.lock
  .venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps -e .
  cp requirements.lock "$stamp"
fi
# System packages: npm fetches the pinned browser libraries (htmx, ECharts) once, after which the
# app serves them itself; the morning report's PDF embeds WenQuanYi Micro Hei (TrueType CJK);
# tesseract with its Simplified Chinese data reads residents' chat screenshots offline.
missing=()
command -v npm >/dev/null || missing+=(nodejs npm)
fc-list 2>/dev/null | grep -i "WenQuanYi Micro Hei" >/dev/null || missing+=(fonts-wqy-microhei)
tesseract --list-langs 2>/dev/null | grep -x chi_sim >/dev/null || missing+=(tesseract-ocr tesseract-ocr-chi-sim)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "== installing ${missing[*]} with apt-get"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
bash scripts/vendor_assets.sh
