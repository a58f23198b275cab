#!/usr/bin/env bash
# One command to set up and run every check: ruff (lint and format), mypy, then pytest with coverage
# on SQLite and, when one is reachable, on PostgreSQL. In CI (CI=true) PostgreSQL is required.
set -euo pipefail
cd "$(dirname "$0")/.."
# Everything the tests need, the Debian packages included (chromium, poppler-utils, PostgreSQL,
# Java): the same setup .ci/run uses.
bash scripts/setup.sh --tests
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy"
mypy fanzha

pg_url=${FANZHA_TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/fanzha}
pg_up=0
if python -c "import psycopg,sys; psycopg.connect('${pg_url%/*}/postgres', connect_timeout=3).close()" 2>/dev/null; then
  pg_up=1
elif [ "${CI:-}" = "true" ]; then
  echo "错误：CI 中无法连接 PostgreSQL ($pg_url) / Error: PostgreSQL unreachable in CI" >&2
  exit 1
fi

echo "== pytest (SQLite)"
pytest --cov=fanzha --cov-report=term:skip-covered --cov-report=xml -q "$@"
if [ "$pg_up" = 1 ]; then
  echo "== pytest (PostgreSQL)"
  DATABASE_URL="$pg_url" pytest -q -m "not browser" -p no:cacheprovider "$@"
else
  echo "PostgreSQL 不可用，跳过 / PostgreSQL not reachable, skipped"
fi
