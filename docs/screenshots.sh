#!/usr/bin/env bash
# Takes the README screenshots of a batch's HTML output with headless Chromium.
#
#   docs/screenshots.sh OUT_DIR [BUNDLE_ID]
#
# OUT_DIR is what `certsift run INBOX --out OUT_DIR` wrote: OUT_DIR/index.html and
# OUT_DIR/bundles/<id>/report.html. Writes docs/index.png (the triage summary) and docs/report.png
# (BUNDLE_ID's report, or the first bundle's in name order). Needs the Debian package `chromium`
# and CJK fonts (fonts-noto-cjk or fonts-wqy-zenhei) so the Chinese does not render as boxes.
set -euo pipefail

usage() { echo "usage: $0 OUT_DIR [BUNDLE_ID]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage

out_dir=$(realpath -- "$1")
docs_dir=$(dirname -- "$(realpath -- "$0")")

chromium_bin=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $chromium_bin ]]; then
  echo "chromium not found: apt-get install -y chromium" >&2
  exit 1
fi

index="$out_dir/index.html"
[[ -f $index ]] || { echo "no $index" >&2; exit 1; }

if [[ $# -eq 2 ]]; then
  report="$out_dir/bundles/$2/report.html"
else
  # The first bundle folder (in byte order, so the choice is stable) that has a report.
  report=""
  while IFS= read -r -d '' candidate; do
    report="$candidate"
    break
  done < <(find "$out_dir/bundles" -mindepth 2 -maxdepth 2 -name report.html -print0 2>/dev/null | LC_ALL=C sort -z)
fi
[[ -n $report && -f $report ]] || { echo "no bundle report found (${report:-$out_dir/bundles/*/report.html})" >&2; exit 1; }

# file:// URL of an absolute path, percent-encoding what a URL cannot hold as is (the Chinese
# bundle ids are UTF-8 bytes, spaces and '#' would end the path).
file_url() {
  local path=$1 url="file://" i byte
  local LC_ALL=C
  for ((i = 0; i < ${#path}; i++)); do
    byte=${path:i:1}
    case $byte in
      [A-Za-z0-9/._~-]) url+=$byte ;;
      *) url+=$(printf '%%%02X' "'$byte") ;;
    esac
  done
  printf '%s' "$url"
}

shoot() {
  local page=$1 png=$2 profile
  profile=$(mktemp -d)
  # A throwaway profile so no state leaks between runs; no network, fixed size and scale so
  # screenshots are comparable from run to run.
  "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --hide-scrollbars --force-device-scale-factor=1 --window-size=1280,2000 \
    --user-data-dir="$profile" --screenshot="$png" "$(file_url "$page")" >/dev/null 2>&1 || {
    rm -rf -- "$profile"
    echo "chromium failed on $page" >&2
    return 1
  }
  rm -rf -- "$profile"
  [[ -s $png ]] || { echo "no screenshot written for $page" >&2; return 1; }
  echo "$png ← $page"
}

shoot "$index" "$docs_dir/index.png"
shoot "$report" "$docs_dir/report.png"
