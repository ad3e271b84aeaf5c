#!/usr/bin/env bash
# The whole test suite, browser tests included (headless; add --headed under xvfb-run -a for a visible run).
# Installs what it needs first. Tests never touch a real keyring and never leave 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring
.venv/bin/ruff check scraper tests benchmarks
.venv/bin/mypy  # strict, over scraper/ (pyproject.toml [tool.mypy])
exec .venv/bin/python -m pytest -q --browser chromium --tracing retain-on-failure --output test-results "$@"
