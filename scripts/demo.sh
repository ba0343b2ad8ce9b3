#!/usr/bin/env bash
# Installs what is missing, builds, starts `dimctl serve` (orchestrator and
# node in one process, on loopback) and runs the three example jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

dimctl=build/dimctl
data=$(mktemp -d)
addr=127.0.0.1:${DIM_DEMO_PORT:-7420}
# The server's log goes to a file so that it does not mix with the jobs.
"$dimctl" serve --listen "$addr" --data-dir "$data" 2>"$data/serve.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
echo "server log: $data/serve.log (removed at exit)"

for _ in $(seq 100); do
  "$dimctl" --addr "$addr" node ls >/dev/null 2>&1 && break
  sleep 0.1
done
"$dimctl" --addr "$addr" node ls

for job in collaborative comparative chained; do
  echo
  echo "== examples/jobs/$job.toml"
  "$dimctl" --addr "$addr" submit "examples/jobs/$job.toml" --wait
done
echo
"$dimctl" --addr "$addr" job ls
