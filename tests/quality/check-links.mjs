// Internal links, images and anchors of a built site: every href/src that
// points into the site (root-relative, relative, or absolute on the site's
// own origin) must name a file of the output, and every #fragment must be
// an id (or <a name>) in the target page. Also checked: <meta> refresh and
// og:/twitter: URLs, CSS url(), sitemap <loc> and feed links, and absolute
// URLs on the site's origin in JSON files and JSON-LD. Works on files only.
//
//   node check-links.mjs --root DIR --base-url URL [--pending PATH]...
//
// --base-url is the site's base_url (origin + optional path prefix); URLs on
// that origin outside the prefix are errors. --pending names a path that is
// known not to exist yet (e.g. /tim-kiem/ while search is being built):
// links to it are reported as warnings while it is missing, and checked as
// usual once it exists.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'parse5';

function parseArgs(argv) {
  const out = { root: null, baseUrl: null, pending: [], quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--root') out.root = argv[++i];
    else if (a === '--base-url') out.baseUrl = argv[++i];
    else if (a === '--pending') out.pending.push(argv[++i]);
    else if (a === '--quiet') out.quiet = true;
    else { console.error(`check-links: unknown argument ${a}`); process.exit(2); }
  }
  if (!out.root || !out.baseUrl) {
    console.error('usage: node check-links.mjs --root DIR --base-url URL [--pending PATH]...');
    process.exit(2);
  }
  return out;
}

const opts = parseArgs(process.argv.slice(2));
const root = path.resolve(opts.root);
const base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : opts.baseUrl + '/');
const basePath = base.pathname; // always ends with '/'

// Every file of the output, as a POSIX path relative to root.
const files = new Set();
(function walk(dir) {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    if (ent.name.startsWith('.')) continue;
    const abs = path.join(dir, ent.name);
    if (ent.isDirectory()) walk(abs);
    else files.add(path.relative(root, abs).split(path.sep).join('/'));
  }
})(root);

// The URL a file is served at.
function urlOf(rel) {
  let p = rel;
  if (p === 'index.html') p = '';
  else if (p.endsWith('/index.html')) p = p.slice(0, -'index.html'.length);
  return new URL(basePath + p.split('/').map(encodeURIComponent).join('/'), base.origin);
}

// Which attributes hold URLs, per element.
const URL_ATTRS = {
  a: ['href'], area: ['href'], link: ['href'], img: ['src', 'srcset'], source: ['src', 'srcset'],
  script: ['src'], iframe: ['src'], embed: ['src'], object: ['data'], video: ['src', 'poster'],
  audio: ['src'], track: ['src'], form: ['action'], input: ['src'], use: ['href', 'xlink:href'],
  image: ['href', 'xlink:href'], blockquote: ['cite'], q: ['cite'], ins: ['cite'], del: ['cite'],
};
// <link rel> values that are hints rather than resources of ours.
const LINK_HINTS = new Set(['preconnect', 'dns-prefetch']);
// <meta> whose content is a URL.
const META_URL = new Set(['og:url', 'og:image', 'og:image:url', 'og:image:secure_url', 'twitter:image', 'og:video', 'og:audio']);

const pages = new Map(); // rel -> { ids:Set, refs:[{line, what, value}] }

function attr(node, name) {
  const a = node.attrs && node.attrs.find((x) => (x.prefix ? `${x.prefix}:${x.name}` : x.name) === name);
  return a ? a.value : null;
}

function collect(rel, html) {
  const doc = parse(html, { sourceCodeLocationInfo: true });
  const ids = new Set();
  const refs = [];
  const stack = [doc];
  while (stack.length) {
    const node = stack.pop();
    if (node.childNodes) for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push(node.childNodes[i]);
    if (node.content && node.content.childNodes) stack.push(node.content); // <template>
    if (!node.tagName) continue;
    const line = node.sourceCodeLocation ? node.sourceCodeLocation.startLine : 0;
    const id = attr(node, 'id');
    if (id !== null && id !== '') ids.add(id);
    if (node.tagName === 'a') { const n = attr(node, 'name'); if (n) ids.add(n); }
    const names = URL_ATTRS[node.tagName];
    if (names) {
      if (node.tagName === 'link') {
        const relAttr = (attr(node, 'rel') || '').toLowerCase().split(/\s+/);
        if (relAttr.some((r) => LINK_HINTS.has(r))) continue;
      }
      for (const n of names) {
        const v = attr(node, n);
        if (v === null) continue;
        if (n === 'srcset') {
          for (const cand of v.split(',')) {
            const u = cand.trim().split(/\s+/)[0];
            if (u) refs.push({ line, what: `<${node.tagName} ${n}>`, value: u });
          }
        } else {
          refs.push({ line, what: `<${node.tagName} ${n}>`, value: v });
        }
      }
    }
    if (node.tagName === 'script' && (attr(node, 'type') || '').toLowerCase() === 'application/ld+json') {
      const text = (node.childNodes || []).map((c) => c.value || '').join('');
      try { jsonRefs(JSON.parse(text), 'JSON-LD', line, refs); } catch (e) { refs.push({ line, what: 'JSON-LD', value: '', error: `not valid JSON: ${e.message}` }); }
    }
    if (node.tagName === 'meta') {
      const equiv = (attr(node, 'http-equiv') || '').toLowerCase();
      const content = attr(node, 'content');
      if (equiv === 'refresh' && content) {
        const m = /url\s*=\s*['"]?([^'"]+)['"]?/i.exec(content);
        if (m) refs.push({ line, what: '<meta http-equiv=refresh>', value: m[1].trim() });
      }
      const prop = (attr(node, 'property') || attr(node, 'name') || '').toLowerCase();
      if (META_URL.has(prop) && content) refs.push({ line, what: `<meta ${prop}>`, value: content });
    }
  }
  return { ids, refs };
}

// Absolute URLs on the site's origin among the string values of a JSON
// document (data catalogue, downloads, JSON-LD); each with its JSON path.
function jsonRefs(value, where, line, refs, at = '$') {
  if (typeof value === 'string') {
    if (/^https?:\/\//i.test(value)) {
      let u = null;
      try { u = new URL(value); } catch { /* not a URL */ }
      if (u && u.origin === base.origin) refs.push({ line, what: `${where} ${at}`, value });
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => jsonRefs(v, where, line, refs, `${at}[${i}]`));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) jsonRefs(v, where, line, refs, `${at}.${k}`);
  }
}

// URLs in other generated text files: CSS url(), sitemap <loc>, Atom links, JSON.
function collectText(rel, text) {
  const refs = [];
  const lineAt = (idx) => text.slice(0, idx).split('\n').length;
  const add = (re, what, decode) => {
    for (const m of text.matchAll(re)) {
      let v = m[1].trim().replace(/^['"]|['"]$/g, '');
      if (decode) v = v.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;|&apos;/g, "'");
      refs.push({ line: lineAt(m.index), what, value: v });
    }
  };
  if (rel.endsWith('.json')) {
    try { jsonRefs(JSON.parse(text), 'json', 0, refs); } catch (e) { refs.push({ line: 0, what: 'json', value: '', error: `not valid JSON: ${e.message}` }); }
  }
  if (rel.endsWith('.css')) add(/url\(\s*([^)]*?)\s*\)/g, 'css url()', false);
  if (rel.endsWith('.xml')) {
    add(/<loc>\s*([^<]*?)\s*<\/loc>/g, 'sitemap <loc>', true);
    add(/<link\b[^>]*\bhref="([^"]*)"/g, 'feed <link href>', true);
  }
  return { ids: new Set(), refs };
}

for (const rel of [...files].sort()) {
  if (rel.endsWith('.html') || rel.endsWith('.htm')) {
    pages.set(rel, collect(rel, fs.readFileSync(path.join(root, rel), 'utf8')));
  } else if (rel.endsWith('.css') || rel.endsWith('.xml') || rel.endsWith('.json')) {
    pages.set(rel, collectText(rel, fs.readFileSync(path.join(root, rel), 'utf8')));
  }
}

// Resolve a URL path (already known to be under basePath) to a file.
// Returns { rel } or { dirNoSlash: rel } or null.
function resolveFile(pathname) {
  let p;
  try { p = decodeURIComponent(pathname.slice(basePath.length)); } catch { return null; }
  if (p === '' || p.endsWith('/')) {
    const rel = p + 'index.html';
    return files.has(rel) ? { rel } : null;
  }
  if (files.has(p)) return { rel: p };
  if (files.has(p + '/index.html')) return { rel: p + '/index.html', noSlash: true };
  return null;
}

const pendingPaths = opts.pending.map((p) => new URL(p, base).pathname);

const errors = [];
const warnings = [];
const pendingHits = {};
let checked = 0, external = 0, anchors = 0;

for (const [rel, { refs }] of pages) {
  const pageUrl = urlOf(rel);
  for (const r of refs) {
    if (r.error) { errors.push(`${rel}:${r.line}: ${r.what}: ${r.error}`); continue; }
    const v = r.value.trim();
    if (v === '' && r.what === '<form action>') continue; // submits to itself
    if (/^(mailto|tel|sms|data|blob|about):/i.test(v)) continue;
    const where = `${rel}:${r.line}: ${r.what} "${v}"`;
    if (/^javascript:/i.test(v)) { errors.push(`${where}: javascript: URLs are not allowed`); continue; }
    let u;
    try { u = new URL(v, pageUrl); } catch { errors.push(`${where}: not a valid URL`); continue; }
    if (u.origin !== base.origin) {
      if (u.protocol === 'http:' || u.protocol === 'https:') external++;
      continue;
    }
    checked++;
    const samePage = u.pathname === pageUrl.pathname;
    let targetRel = rel;
    if (!samePage || !(rel.endsWith('.html') || rel.endsWith('.htm'))) {
      if (!u.pathname.startsWith(basePath)) {
        errors.push(`${where}: points outside the site's base path ${basePath} (resolved to ${u.pathname})`);
        continue;
      }
      const hit = resolveFile(u.pathname);
      if (!hit) {
        const pend = pendingPaths.find((p) => u.pathname === p || u.pathname.startsWith(p));
        if (pend) { (pendingHits[pend] ||= []).push(where); continue; }
        errors.push(`${where}: no such file in the output (resolved to ${u.pathname})`);
        continue;
      }
      if (hit.noSlash) warnings.push(`${where}: folder without a trailing slash (works through a server redirect only)`);
      targetRel = hit.rel;
    }
    if (u.hash && u.hash !== '#') {
      let frag;
      try { frag = decodeURIComponent(u.hash.slice(1)); } catch { frag = u.hash.slice(1); }
      if (frag.toLowerCase() === 'top') continue; // scrolls to the top by the HTML spec
      anchors++;
      const target = pages.get(targetRel);
      if (!target || !(targetRel.endsWith('.html') || targetRel.endsWith('.htm'))) {
        errors.push(`${where}: #${frag} points into ${targetRel}, which is not an HTML page`);
      } else if (!target.ids.has(frag)) {
        errors.push(`${where}: no element with id="${frag}" in ${targetRel}`);
      }
    }
  }
}

for (const [p, hits] of Object.entries(pendingHits)) {
  warnings.push(`${p} is not built yet (declared pending): ${hits.length} references, e.g. ${hits[0]}`);
}
const htmlCount = [...pages.keys()].filter((k) => /\.html?$/.test(k)).length;
if (!opts.quiet) for (const w of warnings) console.log(`warning: ${w}`);
for (const e of errors) console.log(`error: ${e}`);
console.log(`links: ${htmlCount} HTML pages and ${pages.size - htmlCount} CSS/XML/JSON files parsed, ${checked} internal URLs checked (${anchors} with an #anchor), ${external} external not followed, ${warnings.length} warnings, ${errors.length} broken`);
process.exit(errors.length ? 1 : 0);
