// alchemy_kit: column descriptions become header tooltips and one collapsed block, not a wall of text.
(function () {
  document.querySelectorAll("th[data-column-description]").forEach(function (th) {
    th.title = th.getAttribute("data-column-description");
  });
  var dl = document.querySelector("dl.column-descriptions");
  if (!dl || dl.parentNode.tagName === "DETAILS") return;
  var details = document.createElement("details");
  details.className = "alchemy-column-descriptions";
  var summary = document.createElement("summary");
  summary.textContent = "Column descriptions (" + dl.querySelectorAll("dt").length + ")";
  details.appendChild(summary);
  dl.parentNode.insertBefore(details, dl);
  details.appendChild(dl);
})();
