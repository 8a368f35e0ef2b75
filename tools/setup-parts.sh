#!/usr/bin/env bash
# Installs the real parts certsift's optional features use, so they run instead of skipping:
# OCR of scans — PP-OCRv4 with ONNX Runtime (the default engine, tools/setup-onnx.sh, from pip
# wheels) and tesseract with Simplified Chinese, the Han-script model and orientation data (the
# engine used where ONNX Runtime is absent, and the baseline in benches) —, poppler-utils (pdftotext/pdftoppm baselines in benches and fixture tools) and a CJK font (the
# scanned fixtures' generator, fixtures/scans/gen.py); and the workbench's real-browser test
# (tests/workbench_browser.rs, tests/browser/): Debian's chromium, node and puppeteer-core.
#
# Run as root on Debian/Ubuntu. Idempotent: packages already installed are left as they are, so
# CI (.ci/run) calls it on every run. Without these parts certsift still builds and its tests
# pass; the tests that need them print a message naming this script and skip.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "tools/setup-parts.sh: run as root (it installs Debian packages with apt-get)" >&2
    exit 2
fi
if ! command -v apt-get >/dev/null; then
    echo "tools/setup-parts.sh: needs apt-get (Debian or Ubuntu); install tesseract-ocr with" \
        "chi_sim, HanS and osd data, poppler-utils, a CJK font and chromium by hand" >&2
    exit 2
fi

debian_packages=(
    tesseract-ocr              # the OCR engine certsift runs as a subprocess (src/ingest/ocr/)
    tesseract-ocr-chi-sim      # Simplified Chinese language model
    tesseract-ocr-script-hans  # Han (Simplified) script model
    tesseract-ocr-osd          # orientation and script detection (--psm 0)
    poppler-utils              # pdftotext / pdftoppm
    antiword                   # oracle of the .doc reader's real-world test (tests/legacy_doc.rs)
    catdoc                     # the second .doc oracle (tests/legacy_doc.rs)
    fonts-wqy-zenhei           # CJK font for fixtures/scans/gen.py (and chromium's pages)
    chromium                   # the browser tests/browser/workbench.mjs drives, headless
)
# The browser driver runs on node with npm's puppeteer-core; both from Debian if missing.
if ! command -v node >/dev/null; then
    debian_packages+=(nodejs)
fi
if ! command -v npm >/dev/null; then
    debian_packages+=(npm)
fi
# PP-OCR's parts come as pip wheels (tools/setup-onnx.sh); pip itself from Debian if missing.
if ! python3 -m pip --version >/dev/null 2>&1; then
    debian_packages+=(python3-pip)
fi

missing=()
for pkg in "${debian_packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
else
    echo "tools/setup-parts.sh: Debian packages already installed"
fi

# The ONNX Runtime library and the PP-OCR det/rec/cls models, into the folder certsift finds
# by itself (idempotent: an installed version is left alone).
bash "$(dirname "$0")/setup-onnx.sh"

# Pillow, for the `python3` on PATH: tools/render-ocr-pages.py draws the pages of the PP-OCR
# live tests and of `cargo bench --bench ocr` with it (without it they skip and say so). A
# Debian python refuses plain pip installs (PEP 668), hence the second form.
if ! python3 -c 'import PIL' >/dev/null 2>&1; then
    python3 -m pip install --quiet pillow \
        || python3 -m pip install --quiet --break-system-packages pillow \
        || echo "tools/setup-parts.sh: Pillow could not be installed; the PP-OCR live tests will skip" >&2
fi

# puppeteer-core, for tests/browser/workbench.mjs, into <parts>/browser (same folder rule as
# tools/setup-onnx.sh: $CERTSIFT_PARTS, else ~/.local/share/certsift/parts). puppeteer-core
# never downloads a browser: the driver launches Debian's /usr/bin/chromium. Pinned: 24.43.1 is
# the last release that runs on Node 18-20 (25.x needs Node 22.12). No package.json or lock file
# is written anywhere in the checkout; a second run with the same version does nothing.
PUPPETEER_VERSION=24.43.1
browser_dir="${CERTSIFT_PARTS:-${HOME}/.local/share/certsift/parts}/browser"
browser_stamp="puppeteer-core@$PUPPETEER_VERSION"
if [[ -f "$browser_dir/VERSIONS" && "$(cat "$browser_dir/VERSIONS")" == "$browser_stamp" \
   && -f "$browser_dir/node_modules/puppeteer-core/package.json" ]]; then
    echo "tools/setup-parts.sh: already installed in $browser_dir ($browser_stamp)"
else
    browser_tmp="$browser_dir.tmp.$$"
    rm -rf "$browser_tmp"
    mkdir -p "$browser_tmp"
    if PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "$browser_tmp" --no-save \
        --no-package-lock --no-audit --no-fund --loglevel=error \
        "puppeteer-core@$PUPPETEER_VERSION"; then
        echo "$browser_stamp" > "$browser_tmp/VERSIONS"
        rm -rf "$browser_dir"
        mv "$browser_tmp" "$browser_dir"
        echo "tools/setup-parts.sh: installed $browser_stamp in $browser_dir"
    else
        rm -rf "$browser_tmp"
        echo "tools/setup-parts.sh: puppeteer-core could not be installed; the browser test will skip" >&2
    fi
fi

tesseract --version 2>&1 | head -n 1
tesseract --list-langs 2>/dev/null | tr '\n' ' '
echo
/usr/bin/chromium --version 2>/dev/null || true
