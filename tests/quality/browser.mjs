// Browser checks of a built site served over HTTP, in Debian's headless
// Chromium driven by playwright-core (never a downloaded browser).
//
//   node browser.mjs --root DIR --url http://127.0.0.1:PORT/prefix/ [--only REL]...
//                    [--axe all|key|none] [--require-kinds]
//
// For every HTML file under --root (or only the --only ones):
//   * it loads with status 200, no console error, no uncaught exception, no
//     failed request (network error or HTTP status >= 400) and no request to
//     another origin (an intranet portal must be self-contained);
//   * every <img> decodes (lazy images are made eager first);
//   * every svg.chart-svg is visible with a non-zero size, on screen and in print;
//   * print media hides nav.mainnav;
//   * at 360 px the document does not overflow sideways
//     (documentElement.scrollWidth <= 360; a chart box scrolling inside
//     itself is fine because it does not widen the document);
//   * axe-core (WCAG 2.x A/AA and best practices) finds no violation, on every
//     page (--axe all, the default) or on one page of each kind (--axe key).
// Alias pages (meta refresh) are followed and checked for errors only.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const o = { root: null, url: null, only: [], axe: 'all', requireKinds: false, workers: 2, searchQuery: 'dan van', chromium: process.env.CHROMIUM || '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--root') o.root = argv[++i];
    else if (a === '--url') o.url = argv[++i];
    else if (a === '--only') o.only.push(argv[++i]);
    else if (a === '--axe') o.axe = argv[++i];
    else if (a === '--require-kinds') o.requireKinds = true;
    else if (a === '--workers') o.workers = Number(argv[++i]);
    else if (a === '--search-query') o.searchQuery = argv[++i];
    else { console.error(`browser: unknown argument ${a}`); process.exit(2); }
  }
  if (!o.root || !o.url || !['all', 'key', 'none'].includes(o.axe)) {
    console.error('usage: node browser.mjs --root DIR --url URL [--only REL]... [--axe all|key|none] [--require-kinds]');
    process.exit(2);
  }
  if (!o.url.endsWith('/')) o.url += '/';
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const root = path.resolve(opts.root);
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const serverOrigin = new URL(opts.url).origin + '/';
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 360, height: 740 };

// Every HTML file, as a POSIX path relative to root.
function listHtml(dir, acc = []) {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    if (ent.name.startsWith('.')) continue;
    const abs = path.join(dir, ent.name);
    if (ent.isDirectory()) listHtml(abs, acc);
    else if (/\.html?$/.test(ent.name)) acc.push(path.relative(root, abs).split(path.sep).join('/'));
  }
  return acc;
}
const all = listHtml(root).sort();
const rels = opts.only.length ? opts.only : all;
for (const r of rels) if (!all.includes(r)) { console.error(`browser: no file ${r} under ${opts.root}`); process.exit(2); }

function urlOf(rel) {
  let p = rel === 'index.html' ? '' : rel.endsWith('/index.html') ? rel.slice(0, -'index.html'.length) : rel;
  return new URL(p.split('/').map(encodeURIComponent).join('/'), opts.url).href;
}

// The kind of a page, from its markup: the pages the issue names must each
// be covered by axe (and, with --axe key, only they are).
function kindOf(rel, html) {
  if (/http-equiv="refresh"/i.test(html)) return 'alias';
  if (rel === 'index.html') return 'home';
  if (/^tim-kiem\/index\.html$/.test(rel) || /class="search-page"/.test(html)) return 'search';
  if (/class="article conference"/.test(html)) return 'conference';
  if (/class="article model"/.test(html)) return 'model';
  if (/class="article"/.test(html) && /"@type":\s*"NewsArticle"/.test(html)) return 'article';
  if (/^chi-so\/[^/]+\/index\.html$/.test(rel)) return 'indicator';
  if (/^dia-phuong\/[^/]+\/index\.html$/.test(rel)) return 'profile';
  return 'other';
}
const KEY_KINDS = ['home', 'article', 'conference', 'model', 'indicator', 'profile', 'search'];
const OPTIONAL_KINDS = new Set(['search']); // being added by another change; checked when present

const pages = rels.map((rel) => {
  const html = fs.readFileSync(path.join(root, rel), 'utf8');
  return { rel, url: urlOf(rel), kind: kindOf(rel, html), size: html.length };
});
// The representative page of each kind: the biggest one (the most content).
const firstOfKind = new Map();
for (const p of pages) if (!firstOfKind.has(p.kind) || p.size > firstOfKind.get(p.kind).size) firstOfKind.set(p.kind, p);
for (const p of pages) {
  p.axe = p.kind !== 'alias' && (opts.axe === 'all' || (opts.axe === 'key' && firstOfKind.get(p.kind) === p && KEY_KINDS.includes(p.kind)));
}

const failures = []; // { rel, check, message }
const stats = { pages: 0, aliases: 0, charts: 0, images: 0, axePages: 0, axeViolations: 0, axeNodes: 0, searchResults: null };
const axeByRule = new Map();
function fail(rel, check, message) { failures.push({ rel, check, message }); }

// Requests in flight on a page, so that a page is left only when it is done:
// otherwise the next navigation aborts them and they look like failures.
function trackInflight(page) {
  page.inflight = new Set();
  page.on('request', (r) => page.inflight.add(r));
  page.on('requestfinished', (r) => page.inflight.delete(r));
  page.on('requestfailed', (r) => page.inflight.delete(r));
}
// Waits until nothing has been in flight for quietMs; false after timeoutMs.
async function settle(page, quietMs = 0, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  let quietSince = null;
  while (Date.now() < end) {
    if (page.inflight.size === 0) {
      if (quietSince === null) quietSince = Date.now();
      if (Date.now() - quietSince >= quietMs) return true;
    } else {
      quietSince = null;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

async function checkPage(page, p) {
  const problems = [];
  const onConsole = (m) => { if (m.type() === 'error') problems.push(['console', `console error: ${m.text()}${m.location() && m.location().url ? ` (${m.location().url}:${m.location().lineNumber})` : ''}`]); };
  const onPageError = (e) => problems.push(['console', `uncaught exception: ${e.message}`]);
  // Chromium fetches the favicon on its own and cancels that fetch when the
  // page moves on (net::ERR_ABORTED): not a failure of the site. A favicon
  // that is really missing still fails, as HTTP 404 below and in the link check.
  const aborted = (r) => r.failure() && r.failure().errorText === 'net::ERR_ABORTED';
  const browserCancelledFavicon = (r) => /\/favicon\.[a-z]+$/.test(new URL(r.url()).pathname) && aborted(r);
  // A request the previous page issued after it settled (a lazy image its
  // last viewport change woke up) is cancelled by this page's navigation: the
  // checker's doing, not this page's, which never asked for it.
  const ownRequests = new Set();
  const cancelledLeftover = (r) => !ownRequests.has(r) && aborted(r);
  const onReqFailed = (r) => { if (!browserCancelledFavicon(r) && !cancelledLeftover(r)) problems.push(['requests', `request failed: ${r.method()} ${r.url()}: ${r.failure() ? r.failure().errorText : 'unknown error'}`]); };
  const onResponse = (r) => { if (r.status() >= 400) problems.push(['requests', `HTTP ${r.status()} for ${r.request().method()} ${r.url()}`]); };
  // An intranet portal loads nothing from elsewhere.
  const onRequest = (r) => { ownRequests.add(r); const u = r.url(); if (!u.startsWith(serverOrigin) && !/^(data|blob|about):/.test(u)) problems.push(['requests', `request to another origin: ${r.method()} ${u}`]); };
  page.on('console', onConsole); page.on('pageerror', onPageError);
  page.on('requestfailed', onReqFailed); page.on('response', onResponse); page.on('request', onRequest);
  try {
    await page.setViewportSize(DESKTOP);
    await page.emulateMedia({ media: 'screen' });
    const resp = await page.goto(p.url, { waitUntil: 'load', timeout: 30000 });
    if (!resp) problems.push(['load', 'no response']);
    else if (resp.status() !== 200) problems.push(['load', `HTTP ${resp.status()} for the page itself`]);

    if (p.kind === 'alias') {
      stats.aliases++;
      // The meta refresh navigates away; wait for the target to load.
      await page.waitForURL((u) => u.href !== p.url, { timeout: 10000, waitUntil: 'load' })
        .catch(() => problems.push(['load', 'the alias page did not redirect']));
      return problems;
    }
    stats.pages++;

    // Images: load the lazy ones too, then every one must have decoded.
    const badImages = await page.evaluate(async () => {
      const imgs = Array.from(document.images);
      imgs.forEach((i) => { i.loading = 'eager'; });
      await Promise.all(imgs.map((i) => (i.complete ? null : new Promise((res) => { i.addEventListener('load', res, { once: true }); i.addEventListener('error', res, { once: true }); setTimeout(res, 10000); }))));
      return { count: imgs.length, bad: imgs.filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.currentSrc || i.getAttribute('src')) };
    });
    stats.images += badImages.count;
    for (const src of badImages.bad) problems.push(['images', `image did not load: ${src}`]);

    // Charts on screen.
    const chartState = () => Array.from(document.querySelectorAll('svg.chart-svg')).map((s, i) => {
      const r = s.getBoundingClientRect();
      const label = (s.querySelector('title') && s.querySelector('title').textContent.trim()) || `chart #${i + 1}`;
      return { label, w: r.width, h: r.height, visible: s.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) };
    });
    const charts = await page.evaluate(chartState);
    stats.charts += charts.length;
    for (const c of charts) if (!c.visible || !(c.w > 0 && c.h > 0)) problems.push(['charts', `chart "${c.label}" is not visible on screen (visible=${c.visible}, ${c.w}x${c.h})`]);

    // axe-core at desktop width.
    if (p.axe) await runAxe(page, problems, '');

    // The search page: a query must find something, and the results pass axe.
    if (p.kind === 'search' && opts.searchQuery) {
      const q = new URL(p.url);
      q.searchParams.set('q', opts.searchQuery);
      await settle(page, 500); // the script loads the index as the page opens
      await page.goto(q.href, { waitUntil: 'load', timeout: 30000 });
      const state = await page.waitForFunction(() => {
        const s = document.querySelector('[data-state]');
        return s && (s.dataset.state === 'done' || s.dataset.state === 'error') ? s.dataset.state : null;
      }, null, { timeout: 15000 }).then((h) => h.jsonValue()).catch(() => 'timeout');
      const found = await page.locator('.search-result').count();
      stats.searchResults = found;
      if (state !== 'done') problems.push(['search', `searching "${opts.searchQuery}" ended in state "${state}"`]);
      else if (found === 0) problems.push(['search', `searching "${opts.searchQuery}" found nothing`]);
      if (p.axe) await runAxe(page, problems, ` (with results for "${opts.searchQuery}")`);
    }
    return await layoutChecks(page, p, problems, chartState);
  } catch (e) {
    problems.push(['load', `error while checking: ${e.message.split('\n')[0]}`]);
    return problems;
  } finally {
    if (!(await settle(page, p.kind === 'search' ? 500 : 0))) {
      problems.push(['requests', `requests still pending after 10 s: ${[...page.inflight].map((r) => r.url()).join(', ')}`]);
    }
    page.off('console', onConsole); page.off('pageerror', onPageError);
    page.off('requestfailed', onReqFailed); page.off('response', onResponse); page.off('request', onRequest);
  }
}

async function runAxe(page, problems, label) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary, html: n.html.slice(0, 200) })) }));
  }, AXE_TAGS);
  stats.axePages++;
  for (const v of res) {
    stats.axeViolations++;
    stats.axeNodes += v.nodes.length;
    axeByRule.set(v.id, (axeByRule.get(v.id) || 0) + 1);
    const nodes = v.nodes.slice(0, 5).map((n) => `      at ${n.target}: ${n.html}\n        ${(n.summary || '').replace(/\n/g, '\n        ')}`).join('\n');
    problems.push(['axe', `axe ${v.id} (${v.impact})${label}: ${v.help}; ${v.nodes.length} element(s) [${v.helpUrl}]\n${nodes}${v.nodes.length > 5 ? `\n      … and ${v.nodes.length - 5} more` : ''}`]);
  }
}

async function layoutChecks(page, p, problems, chartState) {
  // Print media: no navigation, charts still there.
  await page.emulateMedia({ media: 'print' });
  const print = await page.evaluate((chartStateSrc) => {
    const nav = document.querySelector('nav.mainnav');
    // eslint-disable-next-line no-new-func
    const charts = new Function(`return (${chartStateSrc})()`)();
    return { hasNav: !!nav, navVisible: nav ? nav.checkVisibility({ checkVisibilityCSS: true }) : false, charts };
  }, chartState.toString());
  if (!print.hasNav) problems.push(['print', 'no nav.mainnav on the page (expected the site navigation)']);
  if (print.navVisible) problems.push(['print', 'nav.mainnav is visible in print media (print.css should hide it)']);
  for (const c of print.charts) if (!c.visible || !(c.w > 0 && c.h > 0)) problems.push(['print', `chart "${c.label}" is not visible in print (${c.w}x${c.h})`]);
  await page.emulateMedia({ media: 'screen' });

  // Phone width: nothing widens the document.
  await page.setViewportSize(PHONE);
  const overflow = await page.evaluate((limit) => {
    const sw = document.documentElement.scrollWidth;
    if (sw <= limit) return { sw, culprits: [] };
    // Which elements stick out, not counting those inside a scroll container.
    const scrolls = (el) => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) { const ox = getComputedStyle(a).overflowX; if (ox === 'auto' || ox === 'scroll' || ox === 'hidden' || ox === 'clip') return true; } return false; };
    const describe = (el) => { let s = el.tagName.toLowerCase(); if (el.id) s += `#${el.id}`; if (el.classList.length) s += '.' + Array.from(el.classList).join('.'); return s; };
    const pathOf = (el) => { const parts = []; for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) parts.unshift(describe(e)); return parts.join(' > '); };
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= limit + 0.5 || scrolls(el)) continue;
      if (el.parentElement && el.parentElement.getBoundingClientRect().right > limit + 0.5 && !scrolls(el.parentElement) && el.parentElement !== document.body) continue; // report the outermost
      out.push(`${pathOf(el)} (right edge at ${Math.round(r.right)} px)`);
      if (out.length >= 5) break;
    }
    return { sw, culprits: out };
  }, PHONE.width);
  if (overflow.sw > PHONE.width) problems.push(['layout-360', `the document is ${overflow.sw} px wide at ${PHONE.width} px (horizontal scrolling)${overflow.culprits.length ? ':\n      ' + overflow.culprits.join('\n      ') : ''}`]);
  await page.setViewportSize(DESKTOP);
  return problems;
}

const t0 = Date.now();
const browser = await chromium.launch({
  executablePath: opts.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'vi-VN', serviceWorkers: 'block' });
  const queue = pages.slice();
  const workers = Array.from({ length: Math.max(1, Math.min(opts.workers, queue.length)) }, async () => {
    const page = await context.newPage();
    trackInflight(page);
    for (let p = queue.shift(); p; p = queue.shift()) {
      const problems = await checkPage(page, p);
      for (const [check, msg] of problems) fail(p.rel, check, msg);
    }
    await page.close();
  });
  await Promise.all(workers);
  await context.close();
} finally {
  await browser.close();
}

if (opts.requireKinds) {
  for (const k of KEY_KINDS) {
    const p = firstOfKind.get(k);
    if (!p) {
      if (OPTIONAL_KINDS.has(k)) console.log(`note: no ${k} page in the output yet; axe will check it once it exists`);
      else fail('(site)', 'axe', `no ${k} page found to check with axe`);
    } else if (!p.axe) {
      fail('(site)', 'axe', `the ${k} page ${p.rel} was not checked with axe`);
    }
  }
}

const byCheck = new Map();
for (const f of failures) byCheck.set(f.check, (byCheck.get(f.check) || 0) + 1);
for (const f of failures) console.log(`error: ${f.rel}: [${f.check}] ${f.message}`);
const keyList = KEY_KINDS.map((k) => `${k}=${firstOfKind.has(k) ? firstOfKind.get(k).rel : 'none'}`).join(', ');
console.log(`browser: key pages: ${keyList}`);
if (axeByRule.size) console.log(`browser: axe violations by rule: ${[...axeByRule].map(([k, v]) => `${k}×${v}`).join(', ')}`);
console.log(`browser: ${stats.pages} pages and ${stats.aliases} alias redirects loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${stats.charts} charts, ${stats.images} images${stats.searchResults !== null ? `, ${stats.searchResults} search results for "${opts.searchQuery}"` : ''}; axe on ${stats.axePages} pages: ${stats.axeViolations} violations (${stats.axeNodes} elements); ${failures.length} problems${byCheck.size ? ' (' + [...byCheck].map(([k, v]) => `${k}: ${v}`).join(', ') + ')' : ''}`);
process.exit(failures.length ? 1 : 0);
