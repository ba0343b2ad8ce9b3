#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite: unit
# tests, end-to-end tests against real dimctl processes, and a short run
# of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 600
# The libFuzzer targets: built with clang, each run briefly on its seed
# corpus (scripts/fuzz.sh runs them longer).
FUZZ_SECONDS=${FUZZ_SECONDS:-10} scripts/fuzz.sh
