// Filters the model grid in place; without JavaScript the filter links lead
// to static filter pages, so both ways show the same models.
(function () {
  var box = document.querySelector('[data-model-filters]');
  if (!box || !window.history || !history.pushState) return;
  var cards = Array.prototype.slice.call(document.querySelectorAll('.model-card'));
  var chips = Array.prototype.slice.call(box.querySelectorAll('a[data-filter-kind]'));
  var count = box.querySelector('[data-filter-count]');
  // "{count} models" in the page's language, from data-count-one/-other.
  var status = count && count.parentNode && count.parentNode.hasAttribute('data-count-other') ? count.parentNode : null;
  var heading = document.querySelector('.page-header h1');
  var baseTitle = heading ? heading.textContent.split(':')[0] : '';
  var allLoaded = cards.length > 0 && !document.querySelector('.pagination');
  if (!allLoaded) return; // a paginated or already filtered list: keep the links
  function apply(kind, key, label) {
    var shown = 0;
    cards.forEach(function (c) {
      var match = !kind ||
        (kind === 'field' && c.getAttribute('data-field') === key) ||
        (kind === 'locality' && (' ' + c.getAttribute('data-localities') + ' ').indexOf(' ' + key + ' ') >= 0);
      c.hidden = !match;
      if (match) shown++;
    });
    chips.forEach(function (a) {
      var on = a.getAttribute('data-filter-kind') === kind && a.getAttribute('data-filter-key') === key;
      a.classList.toggle('active', on);
      if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
    if (count) showCount(shown);
    if (heading) heading.textContent = kind ? baseTitle + ': ' + label : baseTitle;
  }
  function showCount(n) {
    count.textContent = n;
    if (!status) return;
    var words = status.getAttribute(n === 1 ? 'data-count-one' : 'data-count-other') || '{count}';
    var at = words.indexOf('{count}');
    if (at < 0) return;
    while (status.firstChild) status.removeChild(status.firstChild);
    status.appendChild(document.createTextNode(words.slice(0, at)));
    status.appendChild(count);
    status.appendChild(document.createTextNode(words.slice(at + 7)));
  }
  chips.forEach(function (a) {
    a.addEventListener('click', function (ev) {
      if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button !== 0) return;
      ev.preventDefault();
      var label = a.childNodes[0] ? a.childNodes[0].textContent.trim() : '';
      apply(a.getAttribute('data-filter-kind'), a.getAttribute('data-filter-key'), label);
      history.pushState({ kind: a.getAttribute('data-filter-kind'), key: a.getAttribute('data-filter-key'), label: label }, '', a.href);
    });
  });
  window.addEventListener('popstate', function (ev) {
    var s = ev.state || { kind: '', key: '', label: '' };
    apply(s.kind, s.key, s.label);
  });
})();
