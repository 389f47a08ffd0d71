/* Rolebook site scripts. Everything is served by the site itself: no request leaves it.
 * 1. Diagrams: ```mermaid fences become <pre class="diagram">; they are drawn with the copy of
 *    mermaid shipped in assets/mermaid (loaded only on pages that have a diagram).
 * 2. The person lookup of the internal site: one JSON index, searched in the page.
 * 3. Material's search dialog gets an accessible name (it has role="dialog" and none).
 * 4. Search results in order of relevance. Material's search scores without length normalisation
 *    (BM25 with b = 0) and cannot stem a query it widens with a wildcard, so a role whose long
 *    description mentions a word ties with the role that is about it, and "Counselor" ties with
 *    "Counselor Plus". The results it shows are re-ordered here: a page whose title is the query first,
 *    then by the page's boost, then by BM25 (b = 0.75) over the page's own entry, a plural's "s" folded.
 * Data is put into the page with textContent, never innerHTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  var assets = script ? new URL(".", script.src) : new URL("assets/", document.baseURI);

  function drawDiagrams() {
    var blocks = document.querySelectorAll("pre.diagram");
    if (!blocks.length) return;
    var nodes = [];
    blocks.forEach(function (pre, index) {
      var div = document.createElement("div");
      div.className = "rb-diagram";
      div.id = "rb-diagram-" + index;
      div.textContent = pre.textContent;
      pre.replaceWith(div);
      nodes.push(div);
    });
    var loader = document.createElement("script");
    loader.src = new URL("mermaid/mermaid.min.js", assets).href;
    loader.onload = function () {
      window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
      window.mermaid.run({ nodes: nodes });
    };
    document.head.appendChild(loader);
  }

  function element(tag, text, className) {
    var el = document.createElement(tag);
    if (text !== undefined && text !== null) el.textContent = text;
    if (className) el.className = className;
    return el;
  }

  function personLookup() {
    var root = document.querySelector(".rb-people");
    if (!root) return;
    var input = document.getElementById("rb-people-query");
    var status = document.getElementById("rb-people-status");
    var results = document.getElementById("rb-people-results");
    var index = null;
    var pending = null;

    function load() {
      if (!pending) {
        pending = fetch(root.getAttribute("data-index"))
          .then(function (response) { return response.json(); })
          .then(function (data) { index = data; return data; });
      }
      return pending;
    }

    function render(query) {
      results.replaceChildren();
      var q = query.trim().toLowerCase();
      if (q.length < 2) { status.textContent = "Type at least two characters."; return; }
      var found = index.people.filter(function (p) {
        return p[0].indexOf(q) === 0 || (p[2] + " " + p[1]).toLowerCase().indexOf(q) !== -1 ||
          (p[1] + ", " + p[2]).toLowerCase().indexOf(q) !== -1;
      });
      status.textContent = found.length + " people found" + (found.length > 50 ? ", showing the first 50." : ".");
      found.slice(0, 50).forEach(function (p) {
        var card = element("section", null, "rb-person");
        card.appendChild(element("h2", p[2] + " " + p[1] + " (" + p[0] + ")"));
        card.appendChild(element("p", p[3] + ", " + p[4] + "; HR status: " + p[5], "rb-muted"));
        if (!p[6].length) {
          card.appendChild(element("p", "No access anywhere."));
        } else {
          var table = element("table", null, "rb-table");
          var head = table.createTHead().insertRow();
          ["Location", "Role", "Access", "Expires", "Status", "Approved by", "Live since", "Grant file"].forEach(function (name) {
            var th = element("th", name); th.scope = "col"; head.appendChild(th);
          });
          var body = table.createTBody();
          // An access is [location, role, how, expires, status, file, evidence], the names by number
          // (rolebook.output.site.audit.people_index).
          p[6].forEach(function (a) {
            var place = index.locations[a[0]], evidence = index.evidence[a[6]];
            var row = body.insertRow();
            var where = row.insertCell();
            if (place[2]) {
              var link = element("a", place[1] + " (" + place[0] + ")"); link.href = place[2]; where.appendChild(link);
            } else { where.textContent = place[1] + " (" + place[0] + ")"; }
            // Who approved (from the recorded evidence) and when it reached the live system.
            [index.roles[a[1]], index.hows[a[2]], a[3], a[4], evidence[0] || "\u2014", evidence[1] || "\u2014",
             index.files[a[5]]].forEach(function (v) {
              row.insertCell().textContent = v;
            });
          });
          card.appendChild(table);
        }
        results.appendChild(card);
      });
    }

    input.addEventListener("input", function () {
      var query = input.value;
      load().then(function () { if (input.value === query) render(query); })
        .catch(function () { status.textContent = "The index could not be loaded."; });
    });
  }

  function nameSearchDialog() {
    document.querySelectorAll('.md-search[role="dialog"]').forEach(function (dialog) {
      if (!dialog.hasAttribute("aria-label") && !dialog.hasAttribute("aria-labelledby")) {
        dialog.setAttribute("aria-label", "Search the site");
      }
    });
  }

  var K1 = 1.2, B = 0.75;

  function words(text) {
    return text.toLowerCase().replace(/<[^>]*>/g, " ").split(/[^0-9a-z\u00c0-\u024f]+/).filter(Boolean)
      .map(function (word) { return word.length > 3 ? word.replace(/([^s])s$/, "$1") : word; });
  }

  function searchRanking() {
    var list = document.querySelector(".md-search-result__list");
    var input = document.querySelector("input.md-search__input");
    var configElement = document.getElementById("__config");
    if (!list || !input || !configElement) return;
    var root = new URL(JSON.parse(configElement.textContent).base + "/", document.baseURI);
    var pages = null, average = 1, loading = null;

    // The index is read when the reader first uses the search, and a page's words only when it is
    // scored: an audit site's index is large, and most page views never search.
    function load() {
      if (loading) return;
      loading = fetch(new URL("search/search_index.json", root).href)
        .then(function (response) { return response.json(); })
        .then(function (index) {
          var loaded = {}, total = 0, count = 0;
          index.docs.forEach(function (doc) {
            if (doc.location.indexOf("#") !== -1) return;  // a section: the page's own entry is scored
            loaded[doc.location] = { doc: doc, boost: doc.boost || 1 };
            total += doc.text.length; count += 1;
          });
          average = total / Math.max(count, 1) || 1;
          pages = loaded;
          reorder();
        })
        .catch(function () { pages = null; });
    }

    function page(location) {
      var entry = pages[location];
      if (entry && !entry.tokens) {
        entry.tokens = words(entry.doc.text);
        entry.titleWords = words(entry.doc.title);
        entry.title = entry.doc.title.trim().toLowerCase();
        entry.length = entry.doc.text.length;  // in characters, as the average is
      }
      return entry;
    }

    function score(entry, query, terms) {
      var relevance = 0;
      terms.forEach(function (term) {
        var tf = entry.tokens.filter(function (t) { return t.indexOf(term) === 0; }).length;
        if (tf) relevance += tf * (K1 + 1) / (tf + K1 * (1 - B + B * entry.length / average));
        if (entry.titleWords.some(function (t) { return t.indexOf(term) === 0; })) relevance += 10;
      });
      return [entry.title === query ? 1 : 0, entry.boost, relevance];
    }

    function reorder() {
      var query = input.value.trim().toLowerCase();
      var terms = words(query);
      if (!pages || !terms.length) return;
      var items = Array.prototype.slice.call(list.children);
      var ranked = items.map(function (item, position) {
        var link = item.querySelector("a.md-search-result__link");
        var location = link ? new URL(link.href).pathname.slice(root.pathname.length) : "";
        var entry = page(location.split("#")[0]);
        return { item: item, position: position, key: entry ? score(entry, query, terms) : [0, 0, 0] };
      });
      ranked.sort(function (a, b) {
        for (var i = 0; i < 3; i++) if (a.key[i] !== b.key[i]) return b.key[i] - a.key[i];
        return a.position - b.position;
      });
      if (!ranked.every(function (r, i) { return r.item === items[i]; })) {
        observer.disconnect();
        ranked.forEach(function (r) { list.appendChild(r.item); });
        observer.observe(list, { childList: true });
      }
      list.setAttribute("data-rb-ranked", query);  // the order shown is this query's (tests wait for it)
    }

    var observer = new MutationObserver(reorder);
    observer.observe(list, { childList: true });
    input.addEventListener("focus", load);
    input.addEventListener("input", load);
  }

  function start() { nameSearchDialog(); searchRanking(); drawDiagrams(); personLookup(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
