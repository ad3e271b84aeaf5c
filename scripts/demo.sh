#!/usr/bin/env bash
# The tool's main job against the bundled demo Seller Central. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/scraper demo "$@"
