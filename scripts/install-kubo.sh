#!/usr/bin/env bash
# Installs Kubo (the `ipfs` command) 0.43.1 into /usr/local/bin unless that
# version is already on PATH. dimctl's mesh shells out to it and its tests
# start real daemons.
#
# `go install github.com/ipfs/kubo/cmd/ipfs@v0.43.1` does not work from the
# module proxy: Kubo's go.mod replaces go-libp2p with an unpublished fork
# (only needed for a newer quic-go). The fork's fixes are in go-libp2p
# v0.52.0, so this builds Kubo's published module with that replace
# dropped and go-libp2p raised to v0.52.0.
set -euo pipefail

version=v0.43.1
libp2p=v0.52.0
dest=${KUBO_BIN_DIR:-/usr/local/bin}

if command -v ipfs >/dev/null 2>&1 &&
   [[ $(ipfs version 2>/dev/null) == "ipfs version ${version#v}" ]]; then
  echo "install-kubo: $(ipfs version) present"
  exit 0
fi
command -v go >/dev/null 2>&1 || export PATH=$PATH:/usr/local/go/bin

echo "install-kubo: building Kubo $version (a few minutes on two cores)"
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
src=$(cd "$work" && go mod download -json "github.com/ipfs/kubo@$version" |
      sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
cp -r "$src" "$work/kubo"
chmod -R u+w "$work/kubo"
cd "$work/kubo"
sed -i '/^replace github.com\/libp2p\/go-libp2p =>/d' go.mod
go mod edit -require="github.com/libp2p/go-libp2p@$libp2p"
go mod tidy
sudo=""
[[ $(id -u) -eq 0 || -w $dest ]] || sudo="sudo"
go build -o "$work/ipfs" ./cmd/ipfs
$sudo install -m 0755 "$work/ipfs" "$dest/ipfs"
echo "install-kubo: $("$dest/ipfs" version)"
