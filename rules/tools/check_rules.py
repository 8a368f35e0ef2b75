#!/usr/bin/env python3
"""Approximate checker for rules/evidence-*.toml (the Rust engine is the reference).

  python3 rules/tools/check_rules.py                 # validate + run examples / counter-examples
  python3 rules/tools/check_rules.py --inbox X.jsonl --truth fixtures/truth.toml [-v]

Semantics approximated (see rules/FORMAT.md):
  * matching form: NFKC, whitespace between CJK removed (and line breaks next to CJK), other
    whitespace runs -> one space, ASCII lower-cased, 〇 -> 零.
  * any / all / near / regex / none / except / min_hits / in_materials / not_in_materials /
    under_headings.
  * context filters (negation cues, skip_passages, title_only, other_sense, document_list
    materials) as given in FORMAT.md (rules/context.toml is used when present).
Examples must match under the STRICT reading of ambiguous points (near = whole span of both
terms <= within; min_hits counts non-overlapping hits); counter-examples must not match under
the LOOSE reading (near = gap between the terms <= within; min_hits counts every hit).
"""
import argparse, json, os, re, sys, tomllib, unicodedata, glob, collections

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.dirname(HERE)

DEFAULT_CONTEXT = {
    "negation": {"before": ["尚未", "未", "没有", "无", "暂无", "不再", "计划", "拟", "将于", "准备", "筹建", "待"],
                 "after": ["尚未", "暂未", "未建立", "未设立", "待建"], "window": 8},
    "skip_passages": {"patterns": ['经营范围', '(x{3,}|×{3,}|_{3,}|＿{3,})', r'\{\{.*\}\}', '【[^】]*填写[^】]*】']},
    "document_list": {"title_only": r'^(\d+[.、)]?\s*)?《[^》]+》(\s*[(（]?[A-Z0-9/.-]+[)）]?)?$',
                      "materials": ["system_documents_list", "laws_standards_list"]},
    "other_sense": {"phrases": ["市场监督管理局", "市场监管局", "应收账款回收", "货款回收", "资金回收", "投资回收"]},
}
INDICATORS = ["5.1.1", "5.1.2", "5.1.3", "5.1.4", "5.1.5", "5.1.6", "5.1.7",
              "5.2.1", "5.2.2", "5.2.3", "5.2.4", "5.2.5", "5.2.6", "5.3.1", "5.3.2"]
MATERIALS = ["business_license", "audit_report", "permits", "product_description", "inspection_report",
             "laws_standards_list", "org_profile", "org_chart", "service_network_list", "sales_methods",
             "service_system_description", "certificates", "system_documents_list"]
KEYS = {"id", "indicator", "kind", "strength", "weight", "any", "all", "regex", "near", "min_hits", "none",
        "except", "in_materials", "not_in_materials", "under_headings", "ignore_context", "examples",
        "counter_examples"}
CLAUSE_END = set("。；;！!？?")
WARN = []


def is_cjk(c):
    o = ord(c)
    return (0x2E80 <= o <= 0x2FDF or 0x3000 <= o <= 0x303F or 0x3040 <= o <= 0x30FF or 0x3100 <= o <= 0x312F
            or 0x31C0 <= o <= 0x31EF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF
            or 0xF900 <= o <= 0xFAFF or 0xFE30 <= o <= 0xFE4F or 0xFF01 <= o <= 0xFF0F or 0xFF1A <= o <= 0xFF20
            or 0xFF3B <= o <= 0xFF40 or 0xFF5B <= o <= 0xFF65 or 0x20000 <= o <= 0x3FFFF)


def fold(text):
    out, pend_sp, pend_nl, prev = [], False, False, None
    for c in unicodedata.normalize("NFKC", text):
        if c.isspace() or c in "\u200b\ufeff":
            pend_sp = True
            pend_nl |= c in "\n\r\u2028\u2029"
            continue
        if unicodedata.category(c) == "Cc":
            continue
        if pend_sp:
            if prev is not None:
                if not ((is_cjk(prev) and is_cjk(c)) or (pend_nl and (is_cjk(prev) or is_cjk(c)))):
                    out.append(" ")
            pend_sp = pend_nl = False
        out.append(c)
        prev = c
    s = "".join(out)
    s = "".join(ch.lower() if ch.isascii() else ch for ch in s).replace("〇", "零")
    return s


def occurrences(text, term):
    res, i = [], text.find(term)
    while i >= 0:
        res.append((i, i + len(term)))
        i = text.find(term, i + 1)
    return res


class Ctx:
    def __init__(self, ctx):
        n = ctx.get("negation", {})
        self.before = [fold(x) for x in n.get("before", [])]
        self.after = [fold(x) for x in n.get("after", [])]
        self.window = n.get("window", 8)
        self.skip = [re.compile(p) for p in ctx.get("skip_passages", {}).get("patterns", [])]
        dl = ctx.get("document_list", {})
        self.title_only = re.compile(dl.get("title_only", "(?!)"))
        self.dl_materials = set(dl.get("materials", []))
        self.other = [fold(x) for x in ctx.get("other_sense", {}).get("phrases", [])]

    def negated(self, text, s, e):
        # clause bounds
        cs = s
        while cs > 0 and text[cs - 1] not in CLAUSE_END:
            cs -= 1
        ce = e
        while ce < len(text) and text[ce] not in CLAUSE_END:
            ce += 1
        win_b = text[max(cs, s - self.window):s]
        win_a = text[e:min(ce, e + self.window)]
        return any(c in win_b for c in self.before) or any(c in win_a for c in self.after)


def inside(text, s, e, phrases):
    for p in phrases:
        for ps, pe in occurrences(text, p):
            if ps <= s and e <= pe:
                return True
    return False


class Rule:
    def __init__(self, d, fname):
        self.d, self.fname = d, fname
        self.id = d.get("id")
        self.kind = d.get("kind", "evidence")
        self.strength = d.get("strength", "strong")
        self.any = [fold(t) for t in d.get("any", [])]
        self.all = [[fold(t) for t in g] for g in d.get("all", [])]
        self.near = [({"a": [fold(t) for t in n["a"]], "b": [fold(t) for t in n["b"]], "within": n["within"]}) for n in d.get("near", [])]
        self.regex = re.compile(d["regex"]) if "regex" in d else None
        self.none = [fold(t) for t in d.get("none", [])]
        self.exc = [fold(t) for t in d.get("except", [])]
        self.min_hits = d.get("min_hits", 1)
        self.in_m = d.get("in_materials")
        self.not_in_m = d.get("not_in_materials")
        self.under = [fold(t) for t in d.get("under_headings", [])]
        self.ignore_context = d.get("ignore_context", False)

    def hits(self, text, terms, ctx):
        res = []
        for t in terms:
            for s, e in occurrences(text, t):
                if inside(text, s, e, self.exc):
                    continue
                if ctx and not self.ignore_context:
                    if inside(text, s, e, ctx.other):
                        continue
                    if self.kind == "evidence" and ctx.negated(text, s, e):
                        continue
                res.append((s, e))
        return res

    def match(self, text, headings=None, material=None, ctx=None, strict=True, constrain=True):
        t = fold(text)
        if ctx and not self.ignore_context:
            if any(p.search(t) for p in ctx.skip):
                return False
            if ctx.title_only.search(t) or ctx.title_only.search(unicodedata.normalize("NFKC", text).strip()):
                return False
            if material in ctx.dl_materials:
                return False
        if constrain:
            if self.in_m and material not in self.in_m:
                return False
            if self.not_in_m and material in self.not_in_m:
                return False
            if self.under:
                hs = [t] + [fold(h) for h in (headings or [])]
                if not any(u in h for u in self.under for h in hs):
                    return False
        allhits = []
        if self.any:
            h = self.hits(t, self.any, ctx)
            if not h:
                return False
            allhits += h
        for g in self.all:
            h = self.hits(t, g, ctx)
            if not h:
                return False
            allhits += h
        for n in self.near:
            ha, hb = self.hits(t, n["a"], ctx), self.hits(t, n["b"], ctx)
            ok = False
            for a in ha:
                for b in hb:
                    if strict:
                        span = max(a[1], b[1]) - min(a[0], b[0])
                        overlap = a[0] < b[1] and b[0] < a[1]
                        ok = span <= n["within"] and not overlap
                    else:
                        gap = max(a[0], b[0]) - min(a[1], b[1])
                        ok = gap <= n["within"]
                    if ok:
                        break
                if ok:
                    break
            if not ok:
                return False
            allhits += ha + hb
        if self.regex and not self.regex.search(t):
            return False
        if any(x in t for x in self.none):
            return False
        hits = set(allhits)
        if strict:  # non-overlapping count
            cnt, last = 0, -1
            for s, e in sorted(hits):
                if s >= last:
                    cnt += 1
                    last = e
        else:
            cnt = len(hits)
        return cnt >= self.min_hits


def load(paths):
    rules, errors = [], []
    for p in paths:
        with open(p, "rb") as f:
            data = tomllib.load(f)
        if set(data) - {"rule"}:
            errors.append(f"{p}: unknown top-level keys {set(data) - {'rule'}}")
        for d in data.get("rule", []):
            rid = d.get("id", "?")
            unk = set(d) - KEYS
            if unk:
                errors.append(f"{p}:{rid}: unknown keys {unk}")
            if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rid):
                errors.append(f"{p}:{rid}: id not kebab-case")
            if d.get("indicator") not in INDICATORS:
                errors.append(f"{p}:{rid}: bad indicator {d.get('indicator')}")
            if d.get("kind", "evidence") not in ("evidence", "exclusion"):
                errors.append(f"{p}:{rid}: bad kind")
            if d.get("strength", "strong") not in ("strong", "weak"):
                errors.append(f"{p}:{rid}: bad strength")
            if not any(k in d for k in ("any", "all", "regex", "near")):
                errors.append(f"{p}:{rid}: needs any/all/regex/near")
            for k in ("in_materials", "not_in_materials"):
                for m in d.get(k, []):
                    if m not in MATERIALS:
                        errors.append(f"{p}:{rid}: unknown material {m}")
            if "regex" in d:
                r = d["regex"]
                if re.search(r"\(\?[=!<]|\\[1-9]", r):
                    errors.append(f"{p}:{rid}: regex uses lookaround/backref (not in Rust regex)")
                if re.search(r"[A-Z]", re.sub(r"\\[A-Za-z]", "", r)):
                    errors.append(f"{p}:{rid}: regex has upper-case ASCII (matching form is lower-cased)")
                if re.search(r"[（），：；０-９]", r):
                    errors.append(f"{p}:{rid}: regex has full-width chars (matching form is NFKC)")
            if len(d.get("examples", [])) < 3 or len(d.get("counter_examples", [])) < 3:
                errors.append(f"{p}:{rid}: needs >= 3 examples and >= 3 counter_examples")
            for n in d.get("near", []):
                if set(n) - {"a", "b", "within"}:
                    errors.append(f"{p}:{rid}: bad near keys")
            rules.append(Rule(d, p))
    for r in rules:
        # a shorter term inside a longer one of the same rule escapes the negation cue that the
        # longer one sees (…暂未配备售后服务管理师: 服务管理师 has no cue in its window).
        for n in r.near:
            for x in n["a"]:
                for y in n["b"]:
                    if x in y or y in x:
                        WARN.append(f"{r.id}: near terms overlap: {x} / {y}")
    ids = collections.Counter(r.id for r in rules)
    for i, c in ids.items():
        if c > 1:
            errors.append(f"duplicate id {i}")
    return rules, errors


def ex_args(ex):
    if isinstance(ex, str):
        return ex, None, None, False
    return ex["text"], ex.get("headings"), ex.get("material"), True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inbox")
    ap.add_argument("--truth")
    ap.add_argument("-v", action="store_true")
    ap.add_argument("--show", help="indicator id: print matching passages")
    a = ap.parse_args()
    ctxfile = os.path.join(RULES, "context.toml")
    ctxd = tomllib.load(open(ctxfile, "rb")) if os.path.exists(ctxfile) else DEFAULT_CONTEXT
    ctx = Ctx(ctxd)
    files = sorted(glob.glob(os.path.join(RULES, "evidence-*.toml")))
    rules, errors = load(files)
    nex = ncex = 0
    ctx_dependent = []
    for r in rules:
        for ex in r.d.get("examples", []):
            nex += 1
            text, h, m, c = ex_args(ex)
            if not r.match(text, h, m, ctx, strict=True, constrain=c):
                errors.append(f"{r.id}: example does not match: {text!r}")
        for ex in r.d.get("counter_examples", []):
            ncex += 1
            text, h, m, c = ex_args(ex)
            if r.match(text, h, m, ctx, strict=False, constrain=c):
                errors.append(f"{r.id}: counter-example matches: {text!r}")
            elif r.match(text, h, m, None, strict=False, constrain=c):
                ctx_dependent.append(f"{r.id}: {text}")
    per = collections.Counter((r.d["indicator"], r.kind, r.strength) for r in rules)
    print(f"{len(rules)} rules, {nex} examples, {ncex} counter-examples")
    for ind in INDICATORS:
        print(f"  {ind}: strong {per[(ind,'evidence','strong')]}, weak {per[(ind,'evidence','weak')]}, exclusion {per[(ind,'exclusion','strong')] + per[(ind,'exclusion','weak')]}")
    if a.v:
        print(f"counter-examples rejected only thanks to the context filters ({len(ctx_dependent)}):")
        for x in ctx_dependent:
            print("   ", x)
    for w in WARN:
        print("WARN", w)
    for e in errors:
        print("ERROR", e)
    if a.inbox:
        run_inbox(rules, ctx, a)
    sys.exit(1 if errors else 0)


def run_inbox(rules, ctx, a):
    truth = tomllib.load(open(a.truth, "rb")) if a.truth else {"bundles": {}}
    # file -> material, from the truth (stand-in for the material classifier)
    f2m = {}
    bundles = truth.get("bundles", {})
    for bname, b in bundles.items():
        for mid, m in b.get("materials", {}).items():
            for f in m.get("files", []):
                f2m[(bname, f)] = mid
    found = collections.defaultdict(lambda: collections.defaultdict(list))
    for line in open(a.inbox, encoding="utf-8"):
        rec = json.loads(line)
        path = rec.get("path", "")
        if "/inbox/" in path:
            path = path.split("/inbox/", 1)[1]
        bname = next((b for b in bundles if path.startswith(bundles[b]["path"])), path.split("/")[0])
        rel = path
        if bname in bundles and bundles[bname].get("kind") != "zip":
            rel = path[len(bundles[bname]["path"]) + 1:]
        mat = f2m.get((bname, rel))
        for p in rec.get("passages", []):
            for r in rules:
                if r.match(p.get("text", ""), p.get("headings"), mat, ctx, strict=True):
                    found[bname][r.d["indicator"]].append((r, rel, p.get("text", "")))
    rows = []
    conf = collections.Counter()
    for bname in sorted(set(list(found) + list(bundles))):
        print(f"\n== {bname}")
        for ind in INDICATORS:
            hs = found[bname][ind]
            strong = [h for h in hs if h[0].kind == "evidence" and h[0].strength == "strong"]
            weak = [h for h in hs if h[0].kind == "evidence" and h[0].strength == "weak"]
            exc = [h for h in hs if h[0].kind == "exclusion"]
            st = "supported" if strong else "excluded" if exc else "weak" if weak else "missing"
            exp = bundles.get(bname, {}).get("indicators", {}).get(ind, {}).get("status", "?")
            conf[(exp, st)] += 1
            mark = "ok " if st == exp else "XX "
            print(f"  {mark}{ind}: got {st:9s} expected {exp}   rules: {sorted(set(h[0].id for h in hs))}")
            if a.v or (a.show and a.show == ind):
                for r, f, t in (strong + exc + weak)[:40]:
                    print(f"        [{r.id}] {f}: {t[:110]!r}")
    print("\nconfusion (expected -> got):")
    for (e, g), c in sorted(conf.items()):
        print(f"  {e:9s} -> {g:9s}: {c}")


if __name__ == "__main__":
    main()
