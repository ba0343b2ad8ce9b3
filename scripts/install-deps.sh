#!/usr/bin/env bash
# Installs the Debian 12 packages dimctl builds and runs with, skipping the
# package index update and the install when everything is already there,
# then Kubo (scripts/install-kubo.sh).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libcli11-dev libtomlplusplus-dev librang-dev libssl-dev
  libgtest-dev libgmock-dev
  libtorch-dev libopenblas0-pthread
  iproute2 prometheus
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
fi

# The mesh's tests run real IPFS daemons.
"$(dirname "$0")/install-kubo.sh"
