#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang into ./build-fuzz
# and runs each for FUZZ_SECONDS (default 30) on a copy of its seed corpus,
# so that the inputs a run discovers never land in the tree. Fails when a
# target crashes, leaks, hangs or breaks one of its checks; the input that
# did it is kept in build-fuzz/fuzz-artifacts/ and named in the output.
#
#   scripts/fuzz.sh                          every target
#   FUZZ_SECONDS=600 scripts/fuzz.sh fuzz_npy one target, ten minutes
#
# Reproduce a finding with: build-fuzz/tests/fuzz/TARGET ARTIFACT
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-30}
build=build-fuzz
all=(fuzz_job_file fuzz_npy fuzz_torch_save fuzz_heartbeat)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")

command -v clang++ >/dev/null ||
  { echo "fuzz: clang++ not found (scripts/install-deps.sh)" >&2; exit 1; }
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DDIMCTL_BUILD_TESTS=OFF -DDIMCTL_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

work=$(mktemp -d "${TMPDIR:-/tmp}/dim-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"
# libcares keeps an allocation per DNS lookup; gRPC links it.
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"

# run TARGET: fuzzes it on a scratch corpus; the log goes to $work.
run() {
  local target=$1 dir=$work/$1
  mkdir -p "$dir/corpus"
  cp tests/fuzz/corpus/"$target"/* "$dir/corpus/"
  local args=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048
              -print_final_stats=1 -artifact_prefix="$artifacts/$target-")
  [[ -f tests/fuzz/$target.dict ]] && args+=(-dict="tests/fuzz/$target.dict")
  # The job target makes a scratch folder of input files under TMPDIR.
  TMPDIR=$dir "$build/tests/fuzz/$target" "${args[@]}" "$dir/corpus" \
    >"$dir/log" 2>&1
}

# summary TARGET: "runs, exec/s, coverage" from the end of its log.
summary() {
  local log=$work/$1/log
  local last runs speed
  last=$(grep -E '^#[0-9]+[[:space:]].* cov: [0-9]+' "$log" | tail -n 1 || true)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  printf '%-16s %10s runs %7s exec/s  %s\n' "$1" "${runs:-?}" \
    "${speed:-?}" "$(sed -E 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [^ ]+).*/\1/' \
                     <<<"$last")"
}

failed=()
for target in "${targets[@]}"; do
  echo "fuzz: $target for ${seconds}s"
  if ! run "$target"; then
    failed+=("$target")
    echo "fuzz: $target FAILED; the end of its log:" >&2
    tail -n 40 "$work/$target/log" >&2
  fi
done

echo "fuzz: summary"
for target in "${targets[@]}"; do summary "$target"; done
if ((${#failed[@]})); then
  echo "fuzz: failed: ${failed[*]} (inputs in $artifacts/)" >&2
  exit 1
fi
