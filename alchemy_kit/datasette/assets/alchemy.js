// alchemy_kit: readable tables on a laptop screen.
// - column descriptions become header tooltips and one collapsed block, not a wall of text;
// - full ids in the primary-key column keep their text for the tooltip (CSS shows the start);
// - score and rank move next to the id, so they are visible without scrolling at 1,280 px;
// - canned queries with a `page` field get previous/next links;
// - a page's note (window.alchemyNote) is shown above the results.
(function () {
  document.querySelectorAll("th[data-column-description]").forEach(function (th) {
    th.title = th.getAttribute("data-column-description");
  });
  var dl = document.querySelector("dl.column-descriptions");
  if (dl && dl.parentNode.tagName !== "DETAILS") {
    var details = document.createElement("details");
    details.className = "alchemy-column-descriptions";
    var summary = document.createElement("summary");
    summary.textContent = "Column descriptions (" + dl.querySelectorAll("dt").length + ")";
    details.appendChild(summary);
    dl.parentNode.insertBefore(details, dl);
    details.appendChild(dl);
  }

  document.querySelectorAll("table.rows-and-columns td.type-pk a").forEach(function (a) {
    if (!a.title) a.title = a.textContent;
  });

  // Score and rank right after the first column when they sit further right.
  var UP_FRONT = ["score", "rank"];
  document.querySelectorAll("table.rows-and-columns").forEach(function (table) {
    var heads = Array.prototype.slice.call(table.querySelectorAll("thead th"));
    var at = {};
    heads.forEach(function (th, i) { at[th.getAttribute("data-column")] = i; });
    var moved = UP_FRONT.filter(function (name) { return at[name] > 3; });
    if (!moved.length) return;
    var first = moved.map(function (name) { return at[name]; });
    var order = [0].concat(first);
    heads.forEach(function (_, i) { if (i !== 0 && first.indexOf(i) < 0) order.push(i); });
    table.querySelectorAll("tr").forEach(function (tr) {
      var cells = Array.prototype.slice.call(tr.children);
      if (cells.length !== heads.length) return;
      order.forEach(function (i) { tr.appendChild(cells[i]); });
    });
  });

  var pageField = document.querySelector("form.sql input[name=page], form input[name=page]");
  var rows = document.querySelectorAll("table.rows-and-columns tbody tr").length;
  if (pageField) {
    var params = new URLSearchParams(window.location.search);
    var page = Math.max(parseInt(params.get("page") || "1", 10) || 1, 1);
    var links = [];
    [[page - 1, "\u2190 previous 100", page > 1], [page + 1, "next 100 \u2192", rows >= 100]]
      .forEach(function (item) {
        if (!item[2]) return;
        params.set("page", String(item[0]));
        var a = document.createElement("a");
        a.href = "?" + params.toString();
        a.textContent = item[1];
        a.className = "alchemy-page-link";
        links.push(a);
      });
    if (links.length) {
      var nav = document.createElement("p");
      nav.className = "alchemy-pages";
      nav.appendChild(document.createTextNode("Page " + page + ": "));
      links.forEach(function (a, i) {
        if (i) nav.appendChild(document.createTextNode(" \u00b7 "));
        nav.appendChild(a);
      });
      // Under the results, or under the form when a page past the end has none.
      var table = document.querySelector("table.rows-and-columns");
      var anchor = table ? table.closest(".table-wrapper") || table : pageField.form;
      if (anchor) anchor.parentNode.insertBefore(nav, anchor.nextSibling);
    }
  }

  if (window.alchemyNote) {
    var note = document.createElement("p");
    note.className = "alchemy-note message-info";
    note.textContent = window.alchemyNote;
    var where = document.querySelector("form.sql") || document.querySelector("h1");
    if (where) where.parentNode.insertBefore(note, where.nextSibling);
  }
})();
