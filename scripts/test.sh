#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need, then
# ruff, mypy and pytest on SQLite and PostgreSQL+PostGIS. Extra arguments go
# to pytest (e.g. ./scripts/test.sh -k ledger).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${MINEACTION_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"

# PostgreSQL must be up and PostGIS installed: the PostGIS tests fail, never skip.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "== starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
available=$(psql "$PG_URL" -tAc "select count(*) from pg_available_extensions where name = 'postgis'" 2>/dev/null || echo 0)
if [ "$available" != "1" ]; then
  echo "== installing PostGIS (postgresql-15-postgis-3)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15-postgis-3 >/dev/null
fi
# PDF reports need Pango and a font (WeasyPrint); their tests read PDFs with pdftotext.
if ! command -v pdftotext >/dev/null || ! ldconfig -p | grep -q libpangoft2-1.0 \
  || ! fc-list 2>/dev/null | grep -qi dejavu; then
  echo "== installing poppler-utils, Pango and DejaVu fonts (PDF reports)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils libpango-1.0-0 \
    libpangoft2-1.0-0 fonts-dejavu-core >/dev/null
fi

# The browser tests drive Debian's Chromium (Playwright never downloads a browser).
if ! [ -x /usr/bin/chromium ]; then
  echo "== installing Chromium for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# LightGBM (the risk model) links against the GNU OpenMP runtime.
if ! ldconfig -p | grep -q 'libgomp\.so\.1'; then
  echo "== installing libgomp1 (for LightGBM)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgomp1 >/dev/null
fi

if [ -z "${VIRTUAL_ENV:-}" ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  # shellcheck disable=SC1091
  . .venv/bin/activate
fi
echo "== installing mineaction with its test tools"
python -m pip install -q --disable-pip-version-check -e '.[dev]'

echo "== ruff"
ruff check src tests bench
ruff format --check src tests bench
echo "== mypy"
mypy
echo "== pytest (SQLite and PostGIS)"
# Two workers: the machine has two cores, and half the tests wait on PostgreSQL.
MINEACTION_REQUIRE_POSTGIS=1 python -m pytest -n "${MINEACTION_TEST_WORKERS:-2}" "$@"
