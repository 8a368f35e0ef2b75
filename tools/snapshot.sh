#!/usr/bin/env bash
# snapshot.sh BIN DEST: every observable output of a certsift binary on the sample inbox and the
# shared corpus (batch outputs without the index, check summaries and JSON, rules check,
# extract --json), so that a refactor can show "no behaviour change" with `diff -r` of two
# snapshots taken by two binaries. Run from the repository root.
set -u
BIN=$1; DEST=$2
rm -rf "$DEST"; mkdir -p "$DEST"
"$BIN" run fixtures/inbox --out "$DEST/out" --as-of 2026-11-28 >"$DEST/run.stdout" 2>/dev/null
echo "rc=$?" >>"$DEST/run.stdout"
rm -rf "$DEST/out/index" "$DEST/out/.lock"
for b in fixtures/inbox/*; do
  n=$(basename "$b")
  "$BIN" check "$b" --as-of 2026-11-28 >"$DEST/check-$n.txt" 2>&1
  "$BIN" check "$b" --as-of 2026-11-28 --json >"$DEST/check-$n.json" 2>&1
done
"$BIN" check fixtures/inbox/* --as-of 2030-01-01 --json >"$DEST/check-2030.json" 2>&1
"$BIN" rules check >"$DEST/rules-check.txt" 2>&1; echo "rc=$?" >>"$DEST/rules-check.txt"
"$BIN" extract --json fixtures/hard fixtures/inbox >"$DEST/extract-fixtures.jsonl" 2>&1
if [ -d ../shared/realworld ]; then
  "$BIN" extract --json ../shared/realworld >"$DEST/extract-realworld.jsonl" 2>&1
fi
echo "$DEST"
