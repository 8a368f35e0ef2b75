#!/usr/bin/env bash
# Installs the real parts certsift's optional features use, so they run instead of skipping:
# OCR of scans — PP-OCRv4 with ONNX Runtime (the default engine, tools/setup-onnx.sh, from pip
# wheels) and tesseract with Simplified Chinese, the Han-script model and orientation data (the
# engine used where ONNX Runtime is absent, and the baseline in benches) —, poppler-utils (pdftotext/pdftoppm baselines in benches and fixture tools) and a CJK font (the
# scanned fixtures' generator, fixtures/scans/gen.py).
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
        "chi_sim, HanS and osd data, poppler-utils and a CJK font by hand" >&2
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
    fonts-wqy-zenhei           # CJK font for fixtures/scans/gen.py
)
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

tesseract --version 2>&1 | head -n 1
tesseract --list-langs 2>/dev/null | tr '\n' ' '
echo
