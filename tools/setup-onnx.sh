#!/usr/bin/env bash
# Installs the parts of certsift's PP-OCR engine (src/ingest/paddle): ONNX Runtime's shared
# library and the PP-OCRv4 detection, recognition and angle-classification models.
#
# Where: $CERTSIFT_PARTS if set, else ~/.local/share/certsift/parts. certsift looks there by
# itself (same rule, src/ingest/paddle/parts.rs); nothing is fetched at run time.
#
#   <parts>/onnx/wheels/               the two wheels unpacked by pip (--target, --no-deps)
#   <parts>/onnx/libonnxruntime.so     link to the wheel's library (onnxruntime, MIT)
#   <parts>/onnx/models/det.onnx       PP-OCRv4 DB text detection      } from rapidocr_onnxruntime
#   <parts>/onnx/models/rec.onnx       PP-OCRv4 SVTR/CTC recognition   } (Apache-2.0); the rec
#   <parts>/onnx/models/cls.onnx       PP-OCR text angle classifier    } model's metadata holds
#                                                                         its character list
#   <parts>/onnx/VERSIONS              what was installed
#
# Why pip wheels: Debian packages no ONNX Runtime, and the rapidocr wheel is the one maintained
# place that ships the PP-OCRv4 models as ONNX. --no-deps: certsift needs only the library and the
# model files, not numpy or OpenCV. The versions are pinned: onnxruntime 1.28 is the release the
# `ort` crate in Cargo.toml is written against.
#
# Idempotent: a second run with the same versions does nothing. Run as root or as the user who
# runs certsift (the folder is per user unless CERTSIFT_PARTS says otherwise).
set -euo pipefail

ORT_VERSION=1.28.0
RAPIDOCR_VERSION=1.4.4

parts="${CERTSIFT_PARTS:-${HOME}/.local/share/certsift/parts}"
dest="$parts/onnx"
stamp="onnxruntime==$ORT_VERSION rapidocr_onnxruntime==$RAPIDOCR_VERSION"

if [[ -f "$dest/VERSIONS" && "$(cat "$dest/VERSIONS")" == "$stamp" \
   && -e "$dest/libonnxruntime.so" && -e "$dest/models/rec.onnx" ]]; then
    echo "setup-onnx: already installed in $dest ($stamp)"
    exit 0
fi

python=${PYTHON:-python3}
if ! "$python" -m pip --version >/dev/null 2>&1; then
    echo "setup-onnx: needs $python with pip (Debian: apt-get install -y python3-pip)" >&2
    exit 1
fi

tmp="$dest.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp"
mkdir -p "$tmp/wheels" "$tmp/models"
"$python" -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
    --target "$tmp/wheels" \
    "onnxruntime==$ORT_VERSION" "rapidocr_onnxruntime==$RAPIDOCR_VERSION"

lib=$(find "$tmp/wheels/onnxruntime/capi" -name 'libonnxruntime.so*' -type f | sort | head -n 1)
models="$tmp/wheels/rapidocr_onnxruntime/models"
det=$(find "$models" -name '*det*.onnx' | sort | head -n 1)
rec=$(find "$models" -name '*rec*.onnx' | sort | head -n 1)
cls=$(find "$models" -name '*cls*.onnx' | sort | head -n 1)
for f in "$lib" "$det" "$rec" "$cls"; do
    if [[ -z "$f" || ! -f "$f" ]]; then
        echo "setup-onnx: the wheels did not contain the expected library or models" >&2
        exit 1
    fi
done

# Relative links, so the folder can be moved or copied whole.
ln -s "wheels/${lib#"$tmp/wheels/"}" "$tmp/libonnxruntime.so"
ln -s "../wheels/${det#"$tmp/wheels/"}" "$tmp/models/det.onnx"
ln -s "../wheels/${rec#"$tmp/wheels/"}" "$tmp/models/rec.onnx"
ln -s "../wheels/${cls#"$tmp/wheels/"}" "$tmp/models/cls.onnx"
echo "$stamp" > "$tmp/VERSIONS"

rm -rf "$dest"
mkdir -p "$parts"
mv "$tmp" "$dest"
trap - EXIT
echo "setup-onnx: installed $stamp in $dest"
ls -l "$dest" "$dest/models"
