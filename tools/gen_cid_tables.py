#!/usr/bin/env python3
"""Generate data/cid2unicode/*.bin: Adobe CID -> Unicode tables for the PDF reader.

Why: a PDF may show text with a non-embedded CJK font under /Identity-H and no
/ToUnicode; its codes are then Adobe CIDs of the font's CIDSystemInfo ordering
(Adobe-GB1, -CNS1, -Japan1, -Korea1), and only these tables give the characters.

Source: Adobe's CMap resources as shipped by Debian's poppler-data
(/usr/share/poppler/cMap/<Ordering>/), which are BSD-3-Clause licensed by
Adobe (see data/cid2unicode/LICENSE-Adobe-CMaps). We deliberately do NOT use
poppler-data's cidToUnicode/* files: those are GPL-2 (Glyph & Cog).

For each ordering: Adobe-<O>-UCS2 (CID -> UTF-16, a "ToUnicode"-style CMap)
gives the first choice; CIDs it leaves unmapped are filled by inverting
Uni<X>-UTF32-H (Unicode -> CID; lowest code point wins).

Also data/cid2unicode/<Ordering>-pua.bin: private-use code points that the
Uni*-UTF16-H CMaps send to real CIDs (e.g. HKSCS characters in Big5 PUA under
UniCNS-UTF16-H), mapped on to the CID's standard Unicode, so text shown with
those CMaps and no ToUnicode comes out as the character, not as PUA junk.

Output format (compact, read by src/ingest/pdf/cid2unicode.rs): 3 bytes per CID,
big-endian code point, CID 0 first; 0 = unmapped. Trailing unmapped CIDs are
dropped.

Usage: python3 tools/gen_cid_tables.py [/usr/share/poppler/cMap] [data/cid2unicode]
"""
import os
import re
import sys

ORDERINGS = {
    "Adobe-GB1": "UniGB-UTF32-H",
    "Adobe-CNS1": "UniCNS-UTF32-H",
    "Adobe-Japan1": "UniJIS-UTF32-H",
    "Adobe-Korea1": "UniKS-UTF32-H",
}

HEX = r"<([0-9a-fA-F]+)>"


def sections(text, name):
    pat = re.compile(r"begin%s(.*?)end%s" % (name, name), re.S)
    return pat.findall(text)


def utf16_first(hexstr):
    b = bytes.fromhex(hexstr)
    if len(b) < 2:
        return None
    s = b.decode("utf-16-be", errors="replace")
    return ord(s[0]) if s else None


def parse_ucs2(path, table):
    text = open(path, encoding="latin-1").read()
    for body in sections(text, "bfchar"):
        for src, dst in re.findall(HEX + r"\s*" + HEX, body):
            cp = utf16_first(dst)
            if cp and cp != 0xFFFD:
                table.setdefault(int(src, 16), cp)
    for body in sections(text, "bfrange"):
        for lo, hi, dst in re.findall(HEX + r"\s*" + HEX + r"\s*" + HEX, body):
            lo, hi = int(lo, 16), int(hi, 16)
            base = utf16_first(dst)
            if base is None:
                continue
            for i in range(hi - lo + 1):
                table.setdefault(lo + i, base + i)


def parse_utf32_inverse(path, table):
    text = open(path, encoding="latin-1").read()
    inv = {}
    for body in sections(text, "cidchar"):
        for uni, cid in re.findall(HEX + r"\s*(\d+)", body):
            u, c = int(uni, 16), int(cid)
            if c not in inv or u < inv[c]:
                inv[c] = u
    for body in sections(text, "cidrange"):
        for lo, hi, cid in re.findall(HEX + r"\s*" + HEX + r"\s*(\d+)", body):
            lo, hi, c = int(lo, 16), int(hi, 16), int(cid)
            for i in range(hi - lo + 1):
                if c + i not in inv or lo + i < inv[c + i]:
                    inv[c + i] = lo + i
    for c, u in inv.items():
        table.setdefault(c, u)


UTF16_CMAPS = {
    "Adobe-GB1": "UniGB-UTF16-H",
    "Adobe-CNS1": "UniCNS-UTF16-H",
}


def pua_table(src, ordering, cid_table):
    """Private-use code points a Uni*-UTF16 CMap maps to CIDs (HKSCS in CNS1) -> the CID's
    standard Unicode. Format: sorted 5-byte records (2 bytes PUA code point, 3 bytes Unicode)."""
    text = open(os.path.join(src, ordering, UTF16_CMAPS[ordering]), encoding="latin-1").read()
    pua = {}
    for body in sections(text, "cidchar"):
        for uni, cid in re.findall(HEX + r"\s*(\d+)", body):
            u = int(uni, 16)
            if 0xE000 <= u <= 0xF8FF:
                pua[u] = int(cid)
    for body in sections(text, "cidrange"):
        for lo, hi, cid in re.findall(HEX + r"\s*" + HEX + r"\s*(\d+)", body):
            lo, hi, c = int(lo, 16), int(hi, 16), int(cid)
            for i in range(hi - lo + 1):
                if 0xE000 <= lo + i <= 0xF8FF:
                    pua[lo + i] = c + i
    out = bytearray()
    for u in sorted(pua):
        target = cid_table.get(pua[u])
        if target and not (0xE000 <= target <= 0xF8FF):
            out += u.to_bytes(2, "big") + target.to_bytes(3, "big")
    return out


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/poppler/cMap"
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "data", "cid2unicode")
    os.makedirs(out, exist_ok=True)
    for ordering, utf32 in ORDERINGS.items():
        table = {}
        parse_ucs2(os.path.join(src, ordering, ordering + "-UCS2"), table)
        parse_utf32_inverse(os.path.join(src, ordering, utf32), table)
        table.pop(0, None)
        n = max(table) + 1
        buf = bytearray(3 * n)
        for cid, cp in table.items():
            if 0 < cp <= 0x10FFFF and not (0xD800 <= cp <= 0xDFFF):
                buf[3 * cid:3 * cid + 3] = cp.to_bytes(3, "big")
        path = os.path.join(out, ordering + ".bin")
        with open(path, "wb") as f:
            f.write(buf)
        print(f"{path}: {n} CIDs, {len(table)} mapped")
        if ordering in UTF16_CMAPS:
            pua = pua_table(src, ordering, table)
            path = os.path.join(out, ordering + "-pua.bin")
            with open(path, "wb") as f:
                f.write(pua)
            print(f"{path}: {len(pua) // 5} private-use code points")


if __name__ == "__main__":
    main()
