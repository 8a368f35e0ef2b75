#!/usr/bin/env bash
# Makes the README's workbench screenshots: the sample inbox through `certsift run`, the
# workbench on a free port, the browser test's driver (tests/browser/workbench.mjs, phase
# before) with its screenshots written here, then each reduced to 128 colours with Pillow so the
# repository stays small. Needs the parts of tools/setup-parts.sh (chromium, puppeteer-core,
# Pillow). Run from anywhere; writes only docs/workbench/*.png.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
cargo build --release --quiet
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
./target/release/certsift run fixtures/inbox --out "$work/out" --as-of 2026-11-28 >/dev/null
./target/release/certsift serve "$work/out" --bind 127.0.0.1:0 >"$work/serve.log" &
server=$!
for _ in $(seq 50); do grep -q "http://" "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
base="$(sed -n 's/^certsift serve: \(http:[^ ]*\)\/$/\1/p' "$work/serve.log")"
node tests/browser/workbench.mjs --base "$base" --bundle 华信家电-2026 --out-dir "$work/shots" --phase before
for page in triage bundle evidence search; do
    python3 - "$work/shots/$page.png" "docs/workbench/$page.png" <<'PY'
import sys
from PIL import Image
Image.open(sys.argv[1]).convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(sys.argv[2], optimize=True)
PY
done
echo "docs/workbench: triage.png bundle.png evidence.png search.png"
