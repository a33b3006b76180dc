// minhbach serve: live reload. Injected only into pages served by
// `minhbach serve`, never written to disk. Reloads the tab when its page (or
// the whole site) changed, in place when it can, and shows build errors over
// the last good page.
(function () {
  "use strict";
  if (!window.EventSource) return;
  var overlay = null;
  function norm(p) {
    try { p = decodeURIComponent(p); } catch (e) { /* keep as is */ }
    return p.replace(/index\.html$/, "");
  }
  function hide() {
    if (overlay) { overlay.remove(); overlay = null; }
  }
  function show(text) {
    hide();
    overlay = document.createElement("div");
    overlay.id = "minhbach-loi";
    overlay.setAttribute("role", "alert");
    overlay.style.cssText =
      "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
      "background:rgba(20,20,24,.93);color:#fff;padding:2rem;" +
      "font:15px/1.5 system-ui,sans-serif";
    var h = document.createElement("h2");
    h.textContent = "Lỗi khi dựng trang";
    h.style.cssText = "margin:0 0 .5rem;color:#ff8a80;font-size:1.4rem";
    var p = document.createElement("p");
    p.textContent =
      "Trang bạn đang xem là bản dựng tốt gần nhất. Sửa các lỗi dưới đây rồi lưu tệp; trang sẽ tự tải lại.";
    var pre = document.createElement("pre");
    pre.textContent = text;
    pre.style.cssText =
      "white-space:pre-wrap;font:14px/1.45 ui-monospace,monospace;" +
      "background:#000;padding:1rem;border-radius:6px";
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = "Đóng";
    b.style.cssText = "font:inherit;padding:.3rem 1rem;cursor:pointer";
    b.onclick = hide;
    overlay.append(h, p, pre, b);
    document.body.appendChild(overlay);
  }
  // The scripts a page runs; JSON data and this script do not count.
  function scripts(d) {
    return Array.prototype.filter.call(d.querySelectorAll("script"), function (s) {
      return !/json/.test(s.type) && !/__minhbach/.test(s.src);
    }).map(function (s) { return s.src + s.textContent; }).join("\n");
  }
  // Swaps in the new page's body, keeping the scroll position; a page whose
  // scripts changed, or anything unexpected, gets a full reload.
  function refresh() {
    fetch(location.href, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      if (scripts(doc) !== scripts(document)) throw new Error("scripts");
      var x = window.scrollX, y = window.scrollY;
      document.title = doc.title;
      document.body.replaceWith(doc.body);
      overlay = null;
      window.scrollTo(x, y);
    }).catch(function () { location.reload(); });
  }
  var here = norm(location.pathname);
  var es = new EventSource("/__minhbach/events");
  es.addEventListener("reload", function (e) {
    var paths = JSON.parse(e.data);
    if (paths.indexOf("*") >= 0) return location.reload();
    var mine = paths.some(function (p) { return norm(p) === here; });
    if (mine || overlay) refresh();
  });
  es.addEventListener("build-error", function (e) { show(JSON.parse(e.data)); });
  es.addEventListener("build-ok", hide);
})();
