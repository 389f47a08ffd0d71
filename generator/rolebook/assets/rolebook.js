/* Rolebook site scripts. Everything is served by the site itself: no request leaves it.
 * 1. Diagrams: ```mermaid fences become <pre class="diagram">; they are drawn with the copy of
 *    mermaid shipped in assets/mermaid (loaded only on pages that have a diagram).
 * 2. The person lookup of the internal site: one JSON index, searched in the page.
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
          ["Location", "Role", "Access", "Expires", "Status", "Grant file"].forEach(function (name) {
            var th = element("th", name); th.scope = "col"; head.appendChild(th);
          });
          var body = table.createTBody();
          p[6].forEach(function (a) {
            var row = body.insertRow();
            var where = row.insertCell();
            if (a[6]) {
              var link = element("a", a[1] + " (" + a[0] + ")"); link.href = a[6]; where.appendChild(link);
            } else { where.textContent = a[1] + " (" + a[0] + ")"; }
            [a[2], a[3], a[4], a[5], a[7]].forEach(function (v) { row.insertCell().textContent = v; });
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

  function start() { drawDiagrams(); personLookup(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
