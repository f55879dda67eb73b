#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time, starting from its corpus
# in fuzz/corpus/<name> (new inputs go to a scratch dir, not the repo).
set -euo pipefail
build=${1:?build dir}; secs=${2:-30}
cd "$(dirname "$0")/.."
status=0
for bin in "$build"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin"); name=${name#fuzz_}
  scratch=$(mktemp -d)
  echo "fuzz: $name for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
       "$scratch" "fuzz/corpus/$name" >"$scratch.log" 2>&1; then
    echo "fuzz: $name FAILED"; tail -n 40 "$scratch.log"; status=1
  else
    grep -E '^(#[0-9]+|Done)' "$scratch.log" | tail -n 1 || true
  fi
  rm -rf "$scratch" "$scratch.log"
done
exit $status
