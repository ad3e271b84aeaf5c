#!/usr/bin/env bash
# Idempotent setup for a fresh machine: a Chromium (unless Playwright already manages one), xvfb for
# headed runs, and .venv with the pinned Python dependencies. Safe to run again; it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

have_playwright_chromium() {
  local dir="${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"
  compgen -G "$dir/chromium-*/chrome-linux*/chrome" >/dev/null 2>&1
}

need_apt=()
if ! have_playwright_chromium && ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM_PATH:-}" ]; then
  need_apt+=(chromium)
fi
command -v xvfb-run >/dev/null 2>&1 || need_apt+=(xvfb xauth)
# Servers the tests start themselves (tests/services.py): PostgreSQL for the history, Redis for the Celery broker.
# Only for the tests (scripts/test.sh passes --test): trying the demo must not install database servers.
if [ "${1:-}" = "--test" ] && command -v dpkg >/dev/null 2>&1; then
  for package in postgresql redis-server; do
    dpkg -s "$package" >/dev/null 2>&1 || need_apt+=("$package")
  done
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "setup: installing ${need_apt[*]} with apt-get (about a minute)" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install ${need_apt[*]} (or run 'playwright install chromium' where it can download)" >&2
  fi
fi

PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
