#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite: unit
# tests and end-to-end tests against real dimctl processes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 600
