#!/usr/bin/env bash
# Set up a working copy: the Debian packages fanzha needs, .venv with Python 3.11+, the pinned
# dependencies from requirements.lock and fanzha itself (editable). Safe to run again: it only does
# what is missing.
#
#   bash scripts/setup.sh           what the workbench needs to run (scripts/demo.sh)
#   bash scripts/setup.sh --tests   and what the tests need: chromium (browser tests), poppler-utils
#                                   (PDF report tests), Noto CJK fonts (screenshots), PostgreSQL
#                                   (started, with the password the tests use, when this script
#                                   installed it or CI=true), Java 17 (the Spark engine's test)
#
# scripts/test.sh and .ci/run both call the --tests form, so a fresh machine and CI are set up alike.
set -euo pipefail
cd "$(dirname "$0")/.."
for_tests=0
[ "${1:-}" = "--tests" ] && for_tests=1

# --- Debian packages -------------------------------------------------------------------------
# The morning report's PDF embeds WenQuanYi Micro Hei (TrueType CJK); tesseract with its Simplified
# Chinese data reads residents' chat screenshots offline. The browser libraries (htmx, ECharts) are
# committed in fanzha/web/static/vendor/, so no npm is needed.
missing=()
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
fc-list 2>/dev/null | grep -i "WenQuanYi Micro Hei" >/dev/null || missing+=(fonts-wqy-microhei)
tesseract --list-langs 2>/dev/null | grep -x chi_sim >/dev/null || missing+=(tesseract-ocr tesseract-ocr-chi-sim)
installed_postgres=0
if [ "$for_tests" = 1 ]; then
  command -v chromium >/dev/null || missing+=(chromium)
  fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || missing+=(fonts-noto-cjk)
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  if ! command -v pg_ctlcluster >/dev/null; then
    missing+=(postgresql)
    installed_postgres=1
  fi
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
if [ ${#missing[@]} -gt 0 ]; then
  echo "== apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- PostgreSQL for the tests ------------------------------------------------------------------
# Only a server this script installed, or one in CI, is started and given the tests' password; a
# developer's own PostgreSQL is left as it is (scripts/test.sh skips PostgreSQL when unreachable).
if [ "$for_tests" = 1 ] && { [ "$installed_postgres" = 1 ] || [ "${CI:-}" = "true" ]; } \
  && command -v pg_ctlcluster >/dev/null; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "== starting PostgreSQL"
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start \
      || $sudo pg_ctlcluster "$version" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  # A password for TCP logins; harmless where the server already trusts local connections.
  $sudo su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
fi

# --- Python ---------------------------------------------------------------------------------------
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
if [ "$for_tests" = 1 ] && ! cmp -s requirements-spark.lock .venv/.fanzha-spark-lock 2>/dev/null; then
  # The Spark engine's test needs pyspark (and Java 17, above).
  .venv/bin/uv pip install --quiet --python .venv/bin/python -r requirements-spark.lock
  cp requirements-spark.lock .venv/.fanzha-spark-lock
fi
