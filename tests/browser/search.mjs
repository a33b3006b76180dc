// Browser checks of the search page, run by search.sh against the built demo
// served on 127.0.0.1 under a path prefix: node search.mjs http://127.0.0.1:PORT/portal/
// Drives Debian's Chromium (CHROMIUM, default /usr/bin/chromium) through
// playwright-core; no browser is downloaded.
import { chromium } from "playwright-core";

const base = process.argv[2];
if (!base) {
  console.error("usage: node search.mjs BASE_URL");
  process.exit(2);
}
const prefix = new URL(base).pathname; // "/portal/"
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const page = await browser.newPage();
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(String(e)));

let failures = 0;
const fail = (msg) => {
  failures++;
  console.error(`FAIL: ${msg}`);
};

// Every result of the search now on the page ("Xem thêm" clicked until all show).
async function results() {
  await page.waitForSelector('#tim-kiem[data-state="done"]', { timeout: 60000 });
  while (await page.isVisible(".search-more")) {
    const n = await page.locator(".search-result").count();
    await page.click(".search-more");
    await page.waitForFunction((n) => document.querySelectorAll(".search-result").length > n, n);
  }
  return {
    status: (await page.textContent(".search-status")).trim(),
    items: await page.$$eval(".search-result", (lis) =>
      lis.map((li) => ({
        href: li.querySelector(".search-title a").getAttribute("href"),
        title: li.querySelector(".search-title").textContent,
        excerpt: li.querySelector(".search-excerpt").innerHTML,
        thumb: li.querySelector(".search-thumb")?.getAttribute("src") ?? null,
      })),
    ),
  };
}

async function search(query, edition = "") {
  await page.goto(`${base}${edition}tim-kiem/?${query}`);
  return results();
}

// check(query, expect): expect.has: paths (without the prefix) that must be found;
// expect.only: a prefix every result must have; expect.status: text of the status line.
async function check(query, expect) {
  const { status, items } = await search(query, expect.edition ?? "");
  const hrefs = items.map((i) => i.href);
  for (const path of expect.has ?? []) {
    if (!hrefs.includes(prefix + path)) fail(`?${query}: ${path} not found in ${JSON.stringify(hrefs)}`);
  }
  if (expect.only && !hrefs.every((h) => h.startsWith(prefix + expect.only))) {
    fail(`?${query}: a result outside ${expect.only}: ${JSON.stringify(hrefs)}`);
  }
  if (expect.status && status !== expect.status) fail(`?${query}: status ${JSON.stringify(status)}`);
  for (const i of items) {
    // A folded twin (đ → d) must never show in a title or an excerpt.
    for (const text of [i.title, i.excerpt.replace(/<[^>]+>/g, "")]) {
      const words = text.split(/\s+/);
      words.forEach((w, k) => {
        if (k > 0 && /[đĐ]/.test(words[k - 1]) && w === words[k - 1].replace(/đ/g, "d").replace(/Đ/g, "D")) {
          fail(`?${query}: a twin shows in ${JSON.stringify(text)}`);
        }
      });
    }
  }
  console.log(`ok: ?${query}: ${status}`);
  return items;
}

// Pagefind folds tone marks: "dan van" finds "dân vận".
let items = await check("q=dan+van", {
  has: [
    "tin-tuc/day-manh-dan-van-chinh-quyen-trong-giai-quyet-thu-tuc-hanh-chinh/",
    "hoi-nghi/hoi-nghi-so-ket-phong-trao-thi-dua-dan-van-kheo-trong-cai-cach-hanh-chinh/",
  ],
});
if (!items.some((i) => /<mark>d[âa]n<\/mark>/i.test(i.excerpt))) fail("dan van: no highlighted match in the excerpts");

// minhbach folds đ: "dang uy" finds "Đảng ủy" (the test page) and the demo
// article with "đang" and "uy tín".
items = await check("q=dang+uy", {
  has: ["tin-tuc/dang-uy-phuong-hoan-kiem/", "tin-tuc/da-nang-va-van-hoa-xin-loi-khi-giai-quyet-ho-so-tre-hen/"],
});
const dangUy = items.find((i) => i.href.endsWith("/dang-uy-phuong-hoan-kiem/"));
if (dangUy && !dangUy.title.startsWith("Đảng ủy phường Hoàn Kiếm")) fail(`dang uy: title ${dangUy.title}`);
if (dangUy && !dangUy.excerpt.includes("<mark>Đảng</mark>")) fail(`dang uy: excerpt ${dangUy.excerpt}`);

// Typed with đ and tone marks, the same page.
await check(`q=${encodeURIComponent("Đảng ủy")}`, { has: ["tin-tuc/dang-uy-phuong-hoan-kiem/"] });

// "ha noi": articles, a conference and the locality profile.
await check("q=ha+noi", {
  has: [
    "dia-phuong/ha-noi/",
    "tin-tuc/ha-noi-dung-thu-3-ve-chi-so-cai-cach-hanh-chinh-2022/",
    "hoi-nghi/hoi-nghi-tong-ket-cong-tac-cai-cach-hanh-chinh-nam-2019-cua-thanh-pho-ha-noi/",
  ],
});

// Filters from the link: only conferences; only 2019.
await check(`q=ha+noi&section=${encodeURIComponent("Hội nghị")}`, {
  has: ["hoi-nghi/hoi-nghi-tong-ket-cong-tac-cai-cach-hanh-chinh-nam-2019-cua-thanh-pho-ha-noi/"],
  only: "hoi-nghi/",
});
if ((await page.inputValue('select[name="section"]')) !== "Hội nghị") fail("the section filter does not show the linked value");
await check("q=ha+noi&year=2019", {
  has: ["hoi-nghi/hoi-nghi-tong-ket-cong-tac-cai-cach-hanh-chinh-nam-2019-cua-thanh-pho-ha-noi/"],
});

// A thumbnail from the lead photo.
items = await check("q=phuong+dien+tu", { has: ["tin-tuc/phuong-dien-tu-da-nang-55-56-phuong-va-105-dich-vu-truc-tuyen/"] });
const photo = items.find((i) => i.href.includes("phuong-dien-tu-da-nang-55-56"));
if (!photo?.thumb?.startsWith(`${prefix}tin-tuc/phuong-dien-tu-da-nang-55-56-phuong-va-105-dich-vu-truc-tuyen/`)) {
  fail(`no lead-photo thumbnail: ${JSON.stringify(photo)}`);
}

// The Vietnamese search finds Vietnamese pages only; the English edition's
// search page searches the English index.
items = await check("q=sipas", { has: ["chi-so/sipas/"] });
if (items.some((i) => i.href.startsWith(`${prefix}en/`))) fail(`sipas: an English page in the Vietnamese results`);
await check("q=satisfaction", { edition: "en/", has: ["en/chi-so/sipas/"], only: "en/" });

// Nothing found says so.
await check("q=xyzzyquux", { status: "Không tìm thấy kết quả nào cho “xyzzyquux”." });

// The header's search box, from the home page, leads to the results.
await page.goto(base);
await page.fill("#q-header", "dan van");
await Promise.all([page.waitForURL(/tim-kiem\/\?q=dan\+van/), page.press("#q-header", "Enter")]);
items = (await results()).items;
if (!items.length) fail("the header search box found nothing");
else console.log(`ok: header search box: ${items.length} results`);

// Typing on the search page searches and keeps the query in the address.
await page.fill("#q", "ha noi");
await page.waitForURL(/\?q=ha\+noi/);
await page.waitForFunction(() => document.querySelector(".search-status").textContent.includes("ha noi"));
console.log("ok: typing updates the results and the address");

if (pageErrors.length) fail(`errors on the page: ${pageErrors.join("; ")}`);
await browser.close();
if (failures) {
  console.error(`search.mjs: ${failures} check(s) failed`);
  process.exit(1);
}
console.log("search.mjs: all browser checks passed");
