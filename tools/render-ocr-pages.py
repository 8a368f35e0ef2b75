#!/usr/bin/env python3
"""Renders licence-like Chinese pages for the OCR tests and bench, with their truth.

Usage: render-ocr-pages.py OUT_DIR [FONT]

Writes OUT_DIR/<name>.pgm (8-bit grey, what the OCR engines take) and OUT_DIR/<name>.txt (the
lines in reading order, one per line; two-column rows are one line, columns separated by two
spaces). Pages: level at 200 dpi, tilted 2 degrees at 200 dpi with light noise, tilted -3
degrees at 150 dpi. Needs Pillow and a CJK font (default: WenQuanYi Zen Hei).
"""
import os
import random
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

# (left, right): right is None for a full-width row. Values look like a real licence's.
ROWS = [
    ("营业执照", None),
    ("统一社会信用代码 91110108MA01C2XQ3T", None),
    ("名称 北京鼎盛机电设备有限公司", "注册资本 伍佰万元整"),
    ("类型 有限责任公司(自然人投资或控股)", None),
    ("法定代表人 张伟", "成立日期 2016年03月18日"),
    ("营业期限 2016年03月18日至长期", None),
    ("住所 北京市海淀区中关村大街27号1101室", None),
    ("经营范围 机电设备安装维修;售后服务;技术咨询", None),
    ("登记机关 北京市海淀区市场监督管理局", "2024年06月05日"),
]


def render(dpi, font_path):
    scale = dpi / 200.0
    w, h = int(1654 * scale), int(1300 * scale)
    page = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(page)
    title = ImageFont.truetype(font_path, int(64 * scale))
    body = ImageFont.truetype(font_path, int(36 * scale))
    y = int(90 * scale)
    lines = []
    for left, right in ROWS:
        if right is None and left == "营业执照":
            tw = draw.textlength(left, font=title)
            draw.text(((w - tw) / 2, y), left, font=title, fill=0)
            y += int(130 * scale)
            lines.append(left)
            continue
        draw.text((int(120 * scale), y), left, font=body, fill=0)
        if right is not None:
            draw.text((int(1000 * scale), y), right, font=body, fill=0)
            lines.append(left + "  " + right)
        else:
            lines.append(left)
        y += int(95 * scale)
    return page, lines


def noisy(page, amount, seed):
    rnd = random.Random(seed)
    px = page.load()
    w, h = page.size
    for _ in range(int(w * h * amount)):
        x, y = rnd.randrange(w), rnd.randrange(h)
        px[x, y] = rnd.choice((0, 255, 128))
    return page


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    font = sys.argv[2] if len(sys.argv) > 2 else FONT
    os.makedirs(out, exist_ok=True)
    pages = []
    level, truth = render(200, font)
    pages.append(("level-200dpi", level, truth))
    tilted, truth = render(200, font)
    tilted = tilted.rotate(2.0, resample=Image.BICUBIC, expand=True, fillcolor=255)
    pages.append(("tilted2-200dpi", noisy(tilted, 0.002, 1), truth))
    small, truth = render(150, font)
    small = small.rotate(-3.0, resample=Image.BICUBIC, expand=True, fillcolor=255)
    pages.append(("tilted-3-150dpi", small, truth))
    for name, img, lines in pages:
        img.save(os.path.join(out, name + ".pgm"))
        with open(os.path.join(out, name + ".txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        print(name)


if __name__ == "__main__":
    main()
