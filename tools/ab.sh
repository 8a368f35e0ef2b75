#!/usr/bin/env bash
# ab.sh BENCH BASE_COMMIT [ROUNDS]: runs `cargo bench --bench BENCH` alternately on BASE_COMMIT
# (in a worktree with its own target folder) and on the working tree, ROUNDS times each (default
# 3), so that a speed claim is a ratio measured in one run on one (noisy) machine. Outputs go to
# target/ab-BENCH/{base,new}-N.txt. Run from the repository root.
set -eu
BENCH=$1; BASE=$2; ROUNDS=${3:-3}
ROOT=$(pwd)
WT=$ROOT/target/ab-base
OUT=$ROOT/target/ab-$BENCH
rm -rf "$OUT"; mkdir -p "$OUT"
if [ ! -d "$WT" ]; then git worktree add --detach "$WT" "$BASE" >/dev/null; fi
git -C "$WT" checkout -q --detach "$BASE"
(cd "$WT" && CARGO_TARGET_DIR="$WT/target" cargo bench --bench "$BENCH" --no-run >/dev/null 2>&1)
cargo bench --bench "$BENCH" --no-run >/dev/null 2>&1
for r in $(seq 1 "$ROUNDS"); do
  (cd "$WT" && CARGO_TARGET_DIR="$WT/target" cargo bench --bench "$BENCH" 2>/dev/null) >"$OUT/base-$r.txt"
  cargo bench --bench "$BENCH" 2>/dev/null >"$OUT/new-$r.txt"
done
echo "$OUT"
