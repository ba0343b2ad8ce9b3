#!/usr/bin/env bash
# Configures and builds dimctl, its example models and its tests into
# ./build (ccache keeps rebuilds fast).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
