// Real-browser end-to-end test of `certsift serve OUT` (the review workbench).
//
//   node tests/browser/workbench.mjs --base http://127.0.0.1:PORT --bundle <bundle-id> \
//        --out-dir <dir> [--phase before|after]
//
// Phase `before` (the default): triage page (reviewer name, sorting, filter) → bundle page →
// evidence page → search (query, facet, paging) → a decision on an indicator. It writes
// <out-dir>/state.json for phase `after`, which runs once the caller has restarted the server:
// the decision and its audit entry are still there, and the Excel export downloads.
//
// It prints one line a step, `ok <step>` or `FAIL <step>: why`, and exits 1 at the first failure,
// leaving <out-dir>/fail-<step>.png. A step also fails when a page logs a console error, a CSP
// violation or an uncaught exception, opens a dialog, or a request fails or answers >= 400.
// Screenshots of the pages: <out-dir>/triage.png, bundle.png, evidence.png, search.png.
//
// Parts (tools/setup-parts.sh installs both): puppeteer-core from
// ${CERTSIFT_PARTS:-~/.local/share/certsift/parts}/browser/node_modules (puppeteer-core never
// downloads a browser), and the browser at $CHROMIUM, else /usr/bin/chromium, run headless with
// --no-sandbox (CI runs as root).
//
// Plain ES module, no build step, no dependency but puppeteer-core.

import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const REVIEWER = '测试评审员';
const QUERY = '投诉';
const COMMENT = '证据不足：缺少2026年回访记录<script>alert(1)</script>';
const STATUSES = ['supported', 'weak', 'missing', 'excluded'];
const FILTERS = ['all', 'blocked', 'ready', 'failed', 'withdrawn'];
const DECISIONS = { confirmed: '确认', rejected: '驳回', needs_info: '待补充' };

// ---- arguments, parts ----------------------------------------------------------------------

function parseArgs(argv) {
    const args = { phase: 'before' };
    for (let i = 0; i < argv.length; i += 2) {
        const key = argv[i].replace(/^--/, '').replace(/-(.)/g, (_, c) => c.toUpperCase());
        if (!['base', 'bundle', 'outDir', 'phase'].includes(key) || argv[i + 1] === undefined) {
            usage(`unknown or incomplete argument ${argv[i]}`);
        }
        args[key] = argv[i + 1];
    }
    if (!args.base || !args.bundle || !args.outDir) usage('--base, --bundle and --out-dir are needed');
    if (!['before', 'after'].includes(args.phase)) usage('--phase is before or after');
    args.base = args.base.replace(/\/+$/, '');
    return args;
}

function usage(why) {
    console.error(`workbench.mjs: ${why}\nusage: node tests/browser/workbench.mjs --base URL ` +
        '--bundle ID --out-dir DIR [--phase before|after]');
    process.exit(2);
}

/** puppeteer-core, resolved from the parts folder (the same rule as tools/setup-parts.sh). */
function loadPuppeteer() {
    const parts = process.env.CERTSIFT_PARTS || join(homedir(), '.local/share/certsift/parts');
    const require = createRequire(join(parts, 'browser', 'node_modules', '.resolve-from-here.js'));
    try {
        return require('puppeteer-core');
    } catch (e) {
        console.log(`FAIL setup: puppeteer-core is not in ${join(parts, 'browser')} ` +
            `(run tools/setup-parts.sh): ${e.message}`);
        process.exit(1);
    }
}

// ---- the step runner and the page watch ----------------------------------------------------

const args = parseArgs(process.argv.slice(2));
mkdirSync(args.outDir, { recursive: true });
const puppeteer = loadPuppeteer();

let browser;
let page;
/** What went wrong on the page since the last step ended: console errors, bad responses... */
let problems = [];
/** URLs (regexps) the browser may find missing in any step: Chromium asks for /favicon.ico on
 * its own, the pages never link it, and the contract does not ask the server for one. */
const ALWAYS_ALLOWED = [/^[^?#]*\/favicon\.ico$/];
/** URLs (regexps) the running step expects to answer >= 400; a step sets it, reset after it. */
let allowed = [];

/** Runs one step: prints `ok`, or `FAIL`, leaves fail-<name>.png and exits 1. */
async function step(name, body) {
    try {
        const detail = await body();
        await settle();
        if (problems.length) throw new Error('the page went wrong');
        console.log(detail ? `ok ${name} — ${detail}` : `ok ${name}`);
    } catch (e) {
        // The check that failed, then whatever else the page did wrong meanwhile.
        const why = [String(e && e.message || e), ...new Set(problems)].join('; ');
        console.log(`FAIL ${name}: ${why.replace(/\s+/g, ' ')}`);
        if (page) await page.screenshot({ path: join(args.outDir, `fail-${name}.png`), fullPage: true }).catch(() => {});
        if (browser) await browser.close().catch(() => {});
        process.exit(1);
    } finally {
        problems = [];
        allowed = [];
    }
}

/** Lets late console messages and CSP reports arrive before a step is judged. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

const isAllowed = (url) => [...ALWAYS_ALLOWED, ...allowed].some((re) => re.test(url));

function check(cond, why) {
    if (!cond) throw new Error(why);
}

/** Everything the pages do wrong becomes a problem of the step that is running. */
function watch(p) {
    p.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        const url = msg.location()?.url || '';
        // A failed resource logs an error too; an expected one is not a problem.
        if (/^Failed to load resource/.test(msg.text()) && isAllowed(url)) return;
        problems.push(`console error: ${msg.text()}${url ? ` (${url})` : ''}`);
    });
    p.on('pageerror', (err) => problems.push(`uncaught exception: ${err.message}`));
    p.on('response', (r) => {
        if (r.status() >= 400 && !isAllowed(r.url())) problems.push(`HTTP ${r.status()} for ${r.url()}`);
    });
    p.on('requestfailed', (r) => {
        const why = r.failure()?.errorText || 'failed';
        // ERR_ABORTED: a load cut short by the next navigation, not the server's fault.
        if (why !== 'net::ERR_ABORTED' && !isAllowed(r.url())) problems.push(`request ${why}: ${r.url()}`);
    });
    // The comment holds <script>alert(1)</script>: a dialog means the page ran it.
    p.on('dialog', async (d) => {
        problems.push(`unexpected ${d.type()} dialog: ${d.message()}`);
        await d.dismiss().catch(() => {});
    });
}

/** CSP violations as console errors (Chromium logs most itself; this catches every one). */
function reportCspViolations() {
    document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
}

// ---- page helpers --------------------------------------------------------------------------

/** Does `action` (a click, a submit) and waits for the navigation it starts. */
async function navigating(action) {
    const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action()]);
    return response;
}

/** Opens `path` (with its query) on the server under test. */
async function open(path) {
    return page.goto(args.base + path, { waitUntil: 'load' });
}

const pathname = () => decodeURIComponent(new URL(page.url()).pathname);
/** The page's path and query, as state.json keeps them: the server's port changes on restart. */
const here = () => { const u = new URL(page.url()); return u.pathname + u.search; };

/** The visible part of the page (1280×900): what a reviewer sees first, and small enough for
 * the README (docs/workbench/ holds these, made by `--out-dir docs/workbench`). */
async function shot(file) {
    await page.screenshot({ path: join(args.outDir, file) });
}

/** The submit button of `form` (a handle); fails when it has none. */
async function submitButton(form, what) {
    const button = await form.$('button[type=submit], button:not([type]), input[type=submit]');
    check(button, `${what} has no submit button`);
    return button;
}

/** Fills the reviewer form when the page shows it; true when it did. */
async function giveReviewerName() {
    const form = await page.$('form#reviewer-form');
    if (!form) return false;
    const input = await form.$('input[name=reviewer]');
    check(input, 'form#reviewer-form has no input[name=reviewer]');
    const before = page.url();
    await input.type(REVIEWER);
    await navigating(async () => (await submitButton(form, 'form#reviewer-form')).click());
    check(page.url() === before, `after the reviewer form the page is ${page.url()}, not ${before}`);
    const name = await page.$eval('#reviewer-name', (el) => el.textContent).catch(() => null);
    check(name !== null, 'no #reviewer-name in the header after giving the name');
    check(name.includes(REVIEWER), `#reviewer-name says "${name.trim()}", not ${REVIEWER}`);
    return true;
}

/** The triage rows in table order: bundle id, visible or not, blocked or not, sort-column text. */
function triageRows(column) {
    return page.$$eval('table#triage tr[data-bundle]', (rows, column) => rows.map((tr) => {
        const cell = column >= 0 ? tr.cells[column] : null;
        return {
            bundle: tr.dataset.bundle,
            blocked: tr.dataset.blocked === 'true',
            visible: !tr.hidden && getComputedStyle(tr).display !== 'none',
            key: cell ? (cell.dataset.sortValue ?? cell.textContent.trim()) : '',
        };
    }), column);
}

/** True when `keys` are in order (ascending or descending) by numbers, by pinyin or by code. */
function isSorted(keys) {
    const numeric = keys.every((k) => k !== '' && !Number.isNaN(Number(k)));
    const zh = new Intl.Collator('zh', { numeric: true });
    const orders = [
        numeric ? (a, b) => Number(a) - Number(b) : null,
        (a, b) => zh.compare(a, b),
        (a, b) => (a < b ? -1 : a > b ? 1 : 0),
    ].filter(Boolean);
    return orders.some((cmp) => keys.every((k, i) => i === 0 || cmp(keys[i - 1], k) <= 0)
        || keys.every((k, i) => i === 0 || cmp(keys[i - 1], k) >= 0));
}

/** The row of the indicator `id` on the bundle page (a handle), or a failure. */
async function indicatorRow(id) {
    const row = await page.$(`tr.indicator[data-id="${id}"]`);
    check(row, `no tr.indicator[data-id="${id}"] on ${pathname()}`);
    return row;
}

/** Numbers in `#count`, e.g. 共 63 条，第 1–20 条 → { total: 63, from: 1, to: 20 }. */
async function searchCount() {
    const text = await page.$eval('#count', (el) => el.textContent).catch(() => null);
    check(text !== null, 'no #count on the search page');
    const total = text.match(/共\s*(\d+)\s*条/);
    const range = text.match(/第\s*(\d+)\s*[–—-]\s*(\d+)\s*条/);
    check(total, `#count "${text.trim()}" does not say 共 N 条`);
    return { text: text.trim(), total: Number(total[1]), from: range ? Number(range[1]) : null,
        to: range ? Number(range[2]) : null };
}

/** The hits of the search page; each must have a file, and a snippet with a highlight. */
async function searchHits() {
    const hits = await page.$$eval('ol#hits > li.hit', (lis) => lis.map((li) => ({
        file: li.querySelector('.hit-file')?.textContent.trim() ?? null,
        marks: li.querySelectorAll('.hit-snippet mark').length,
        snippet: li.querySelector('.hit-snippet') !== null,
    })));
    hits.forEach((h, i) => {
        check(h.file, `hit ${i + 1} has no .hit-file text`);
        check(h.snippet && h.marks > 0, `hit ${i + 1} (${h.file}) has no .hit-snippet with a <mark>`);
    });
    return hits;
}

// ---- phase before: steps 1-5 -----------------------------------------------------------------

async function before() {
    const state = { bundle: args.bundle };

    await step('triage', async () => {
        await open('/');
        check(await page.$('form#reviewer-form'), 'no form#reviewer-form on a first visit (no cookie)');
        await giveReviewerName();
        const rows = await triageRows(-1);
        check(rows.length > 0, 'table#triage has no tr[data-bundle] rows');
        check(rows.some((r) => r.bundle === args.bundle), `no triage row for ${args.bundle}`);
        const links = await page.$$eval('table#triage tr[data-bundle]', (trs) =>
            trs.filter((tr) => !tr.querySelector('a.bundle-link')).map((tr) => tr.dataset.bundle));
        check(links.length === 0, `rows without a.bundle-link: ${links.join(', ')}`);
        await shot('triage.png');
        return `${rows.length} bundles`;
    });

    await step('triage-sort', async () => {
        const headers = await page.$$('table#triage th[data-sort]');
        check(headers.length > 0, 'no th[data-sort] header in table#triage');
        const details = [];
        // Every sortable column: a click reorders the rows, or leaves them sorted by it.
        for (const th of headers) {
            const [key, column] = await th.evaluate((el) => [el.dataset.sort, el.cellIndex]);
            const was = await triageRows(column);
            await th.click();
            await settle();
            const now = await triageRows(column);
            check(now.length === was.length, `sorting by ${key} changed the row count`);
            const changed = now.some((r, i) => r.bundle !== was[i].bundle);
            check(changed || isSorted(now.map((r) => r.key)),
                `clicking th[data-sort=${key}] neither reordered the rows nor left them sorted by it`);
            details.push(key);
        }
        return `sorted by ${details.join(', ')}`;
    });

    await step('triage-filter', async () => {
        const options = await page.$$eval('select#filter-state option', (os) => os.map((o) => o.value));
        check(options.length > 0, 'no select#filter-state');
        const absent = FILTERS.filter((f) => !options.includes(f));
        check(absent.length === 0, `select#filter-state lacks ${absent.join(', ')}`);
        await page.select('select#filter-state', 'blocked');
        await settle();
        const rows = await triageRows(-1);
        const wrong = rows.filter((r) => r.visible !== r.blocked).map((r) => r.bundle);
        check(wrong.length === 0, `filter "blocked": wrongly shown or hidden: ${wrong.join(', ')}`);
        await page.select('select#filter-state', 'all');
        await settle();
        const hidden = (await triageRows(-1)).filter((r) => !r.visible).map((r) => r.bundle);
        check(hidden.length === 0, `filter "all" still hides ${hidden.join(', ')}`);
        return `${rows.filter((r) => r.blocked).length} of ${rows.length} blocked`;
    });

    await step('open-bundle', async () => {
        const link = await page.evaluateHandle((id) => [...document.querySelectorAll('tr[data-bundle]')]
            .find((tr) => tr.dataset.bundle === id)?.querySelector('a.bundle-link'), args.bundle);
        check(link.asElement(), `no a.bundle-link in the row of ${args.bundle}`);
        await navigating(() => link.asElement().click());
        check(pathname() === `/bundle/${args.bundle}`, `the link opened ${pathname()}`);
        state.bundlePath = here();
    });

    await step('bundle', async () => {
        const h1 = await page.$eval('h1', (el) => el.textContent).catch(() => '');
        check(h1.includes(args.bundle), `h1 "${h1.trim()}" does not name ${args.bundle}`);
        for (const id of ['fields', 'flags', 'materials', 'indicators']) {
            check(await page.$(`section#${id}`), `no section#${id}`);
        }
        const indicators = await page.$$eval('tr.indicator[data-id]', (trs) =>
            trs.map((tr) => ({ id: tr.dataset.id, status: tr.dataset.status,
                links: tr.querySelectorAll('a.evidence-link').length })));
        check(indicators.length > 0, 'no tr.indicator[data-id] rows');
        for (const i of indicators) {
            check(/^\d+(\.\d+)*$/.test(i.id), `indicator data-id "${i.id}" is not like 5.3.2`);
            check(STATUSES.includes(i.status), `indicator ${i.id} has data-status "${i.status}"`);
        }
        const supported = indicators.find((i) => i.status === 'supported');
        check(supported, 'no tr.indicator[data-status=supported]');
        check(supported.links > 0, `supported indicator ${supported.id} has no a.evidence-link`);
        state.indicator = supported.id;
        await shot('bundle.png');
        return `${indicators.length} indicators, first supported ${supported.id}`;
    });

    await step('evidence', async () => {
        const row = await indicatorRow(state.indicator);
        // A PDF's evidence when the row has one: its page is rendered with the block marked.
        const links = await row.$$('a.evidence-link');
        let link = links[0];
        for (const candidate of links) {
            const text = await candidate.evaluate((a) => a.textContent);
            if (/\.pdf\b/i.test(text)) { link = candidate; break; }
        }
        await navigating(async () => link.click());
        const path = pathname();
        const prefix = `/bundle/${args.bundle}/evidence/${state.indicator}/`;
        check(path.startsWith(prefix) && /^\d+$/.test(path.slice(prefix.length)),
            `the evidence link opened ${path}, not ${prefix}<n>`);
        state.evidencePath = here();
        const passages = await page.$$eval('#context .passage', (ps) =>
            ps.map((p) => ({ cited: p.classList.contains('cited'), text: p.textContent.trim() })));
        check(passages.length > 0, 'no #context .passage');
        const cited = passages.filter((p) => p.cited);
        check(cited.length === 1, `${cited.length} .passage.cited in #context, not exactly one`);
        check(cited[0].text.length > 0, 'the cited passage is empty');
        let how;
        if (await page.$('img#page-image')) {
            await page.waitForFunction(() => document.querySelector('img#page-image').complete);
            const width = await page.$eval('img#page-image', (img) => img.naturalWidth);
            check(width > 0, 'img#page-image did not load (naturalWidth 0)');
            const marks = (await page.$$('.line-mark')).length;
            check(marks > 0, 'img#page-image without any .line-mark');
            how = `page image ${width}px wide, ${marks} line mark(s)`;
        } else {
            const text = await page.$eval('.no-render', (el) => el.textContent.trim()).catch(() => null);
            check(text !== null, 'neither img#page-image nor .no-render');
            check(/\p{Script=Han}/u.test(text), `.no-render "${text}" is not a Chinese message`);
            how = `no render: ${text}`;
        }
        await shot('evidence.png');
        return `${passages.length} passages, ${how}`;
    });

    let first;
    await step('search', async () => {
        await open('/search');
        const form = await page.$('form#search-form');
        check(form, 'no form#search-form');
        for (const sel of ['input[name=q]', 'select[name=clause]', 'select[name=bundle]', 'select[name=material]']) {
            check(await form.$(sel), `form#search-form has no ${sel}`);
        }
        const clause0 = await form.$eval('select[name=clause] option', (o) => o.value).catch(() => null);
        check(clause0 === '', `the first clause option is ${JSON.stringify(clause0)}, not "" (all)`);
        await (await form.$('input[name=q]')).type(QUERY);
        await navigating(async () => (await submitButton(form, 'form#search-form')).click());
        check(new URL(page.url()).searchParams.get('q') === QUERY, `the search URL ${page.url()} lacks q=${QUERY}`);
        const hits = await searchHits();
        check(hits.length > 0, `no ol#hits > li.hit for ${QUERY}`);
        first = await searchCount();
        check(first.total >= hits.length, `#count "${first.text}" is below the ${hits.length} hits shown`);
        if (first.from !== null) {
            check(first.to - first.from + 1 === hits.length,
                `#count "${first.text}" does not match the ${hits.length} hits shown`);
        }
        check(first.total <= hits.length || await page.$('a#next-page'),
            `${first.total} hits, ${hits.length} shown, but no a#next-page`);
        await shot('search.png');
        return `${first.text}`;
    });

    await step('search-paging', async () => {
        const next = await page.$('a#next-page');
        if (!next) return 'one page only';
        const shown = (await searchHits()).length;
        await navigating(() => next.click());
        const hits = await searchHits();
        const count = await searchCount();
        check(hits.length > 0, 'the next page has no hits');
        check(count.total === first.total, `the next page says ${count.total} hits, the first ${first.total}`);
        check(count.from === null || count.from === shown + 1, `the next page starts at ${count.from}`);
        await page.goBack({ waitUntil: 'load' });
        return count.text;
    });

    await step('search-facet', async () => {
        const facets = await page.$$eval('#facets a.facet', (as) => as.map((a) => ({
            kind: a.dataset.facet, value: a.dataset.value, href: a.href,
            count: Number((a.querySelector('.facet-count')?.textContent ?? '').replace(/[^\d]/g, '') || NaN),
        })));
        check(facets.length > 0, 'no #facets a.facet');
        const bad = facets.filter((f) => Number.isNaN(f.count));
        check(bad.length === 0, `facets without a .facet-count number: ${bad.map((f) => f.href).join(', ')}`);
        const facet = facets.find((f) => f.kind === 'clause' && f.value && f.count > 0);
        check(facet, 'no a.facet[data-facet=clause] with a count above 0');
        const index = facets.indexOf(facet);
        await navigating(async () => (await page.$$('#facets a.facet'))[index].click());
        const url = new URL(page.url());
        check(url.searchParams.get('clause') === facet.value, `the facet opened ${page.url()}, not clause=${facet.value}`);
        check(url.searchParams.get('q') === QUERY, `the facet dropped q=${QUERY}: ${page.url()}`);
        const hits = await searchHits();
        const count = await searchCount();
        check(hits.length > 0, `no hits under clause ${facet.value}`);
        check(count.total <= first.total, `clause ${facet.value}: ${count.total} hits, more than all ${first.total}`);
        return `clause ${facet.value}: ${count.total} of ${first.total} (facet said ${facet.count})`;
    });

    await step('decision', async () => {
        await open(state.bundlePath);
        const row = await indicatorRow(state.indicator);
        const form = await row.$('form.decision');
        check(form, `indicator ${state.indicator} has no form.decision`);
        const hidden = await form.$$eval('input[type=hidden]', (is) =>
            Object.fromEntries(is.map((i) => [i.name, i.value])));
        for (const name of ['kind', 'target', 'csrf']) {
            check(name in hidden, `form.decision has no hidden input ${name}`);
        }
        check(hidden.csrf, 'the csrf input is empty');
        const options = await form.$$eval('select[name=decision] option', (os) =>
            Object.fromEntries(os.map((o) => [o.value, o.textContent.trim()])));
        for (const [value, label] of Object.entries(DECISIONS)) {
            check(options[value]?.includes(label), `select[name=decision] lacks ${value} (${label})`);
        }
        const decision = await form.$('select[name=decision]');
        await decision.select('rejected');
        const comment = await form.$('textarea[name=comment]');
        check(comment, 'form.decision has no textarea[name=comment]');
        await comment.type(COMMENT);
        await navigating(async () => (await submitButton(form, 'form.decision')).click());
        check(pathname() === `/bundle/${args.bundle}`, `after the decision the page is ${pathname()}`);
        await checkDecisionShown(state.indicator);
    });

    writeFileSync(join(args.outDir, 'state.json'), JSON.stringify(state, null, 2));
}

/** The indicator row says 驳回, the comment shows as text and no script of it is in the page. */
async function checkDecisionShown(id) {
    const row = await indicatorRow(id);
    const current = await row.$eval('.decision-current', (el) => el.textContent).catch(() => null);
    check(current !== null, `indicator ${id} has no .decision-current`);
    check(current.includes(DECISIONS.rejected), `.decision-current says "${current.trim()}", not ${DECISIONS.rejected}`);
    const page_ = await page.evaluate(() => ({
        text: document.body.textContent,
        scripts: [...document.scripts].filter((s) => s.textContent.includes('alert(1)')).length,
    }));
    check(page_.text.includes(COMMENT), 'the comment does not appear as text on the bundle page');
    check(page_.scripts === 0, 'the comment became a <script> element');
}

// ---- phase after: step 6, once the server was restarted --------------------------------------

async function after() {
    let state;
    await step('after-restart', async () => {
        state = JSON.parse(readFileSync(join(args.outDir, 'state.json'), 'utf8'));
        await open(state.bundlePath);
        // A new browser has no cookie; the page may ask for the name again.
        await giveReviewerName();
        await checkDecisionShown(state.indicator);
        const entries = await page.$$eval('ul#audit > li.audit-entry', (lis) => lis.map((li) => li.textContent));
        check(entries.length > 0, 'no ul#audit > li.audit-entry');
        check(entries.some((e) => e.includes(REVIEWER) && e.includes(DECISIONS.rejected)),
            `no audit entry names ${REVIEWER} and ${DECISIONS.rejected}`);
        return `${entries.length} audit entries`;
    });

    await step('export', async () => {
        const href = await page.$eval('a#export-xlsx', (a) => a.href).catch(() => null);
        check(href, 'no a#export-xlsx');
        const path = decodeURIComponent(new URL(href).pathname);
        check(path === `/bundle/${args.bundle}/export.xlsx`, `a#export-xlsx goes to ${path}`);
        // fetch inside the page: the same origin and cookies as a click would have.
        const got = await page.evaluate(async (url) => {
            const r = await fetch(url, { credentials: 'same-origin' });
            const bytes = new Uint8Array(await r.arrayBuffer());
            let binary = '';
            for (let i = 0; i < bytes.length; i += 0x8000) {
                binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
            }
            return { status: r.status, type: r.headers.get('content-type'), base64: btoa(binary) };
        }, href);
        check(got.status === 200, `export.xlsx answered ${got.status}`);
        const bytes = Buffer.from(got.base64, 'base64');
        check(bytes.subarray(0, 2).toString('latin1') === 'PK', 'export.xlsx is not a zip (no PK)');
        writeFileSync(join(args.outDir, 'review.xlsx'), bytes);
        return `${bytes.length} bytes, ${got.type}`;
    });
}

// ---- main --------------------------------------------------------------------------------------

await step('launch', async () => {
    const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
    browser = await puppeteer.launch({
        executablePath,
        headless: true,
        // The DevTools pipe, not a port: Chromium (its own process group) quits when the pipe
        // closes, so it dies with this process even when the test kills it.
        pipe: true,
        args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--lang=zh-CN'],
        timeout: 30_000,
    });
    page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    await page.setViewport({ width: 1280, height: 900 });
    await page.evaluateOnNewDocument(reportCspViolations);
    watch(page);
    return `${await browser.version()} (${executablePath})`;
});

await (args.phase === 'before' ? before() : after());
await browser.close();
process.exit(0);
