// searchlib serve: optional enhancements. Every page works without this file.
(function () {
  "use strict";
  // "Limit your search" opens on a wide screen, so that the facets are open to assistive technology
  // too (without this script, the style sheet shows them: ::details-content)
  var limit = document.getElementById("limit");
  if (limit && window.matchMedia && window.matchMedia("(min-width: 52.01rem)").matches) {
    limit.open = true;
  }

  // the filter box of an expanded facet narrows its list as one types (the form does it without script)
  function fold(text) {
    return (text || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[data-facet-filter]"), function (box) {
    var panel = document.getElementById(box.getAttribute("data-facet-filter"));
    if (!panel) { return; }
    var none = panel.querySelector(".facet-none");
    box.addEventListener("input", function () {
      var wanted = fold(box.value.trim()), shown = 0;
      Array.prototype.forEach.call(panel.querySelectorAll(".facet-values:not(.facet-excluded) li"), function (li) {
        var label = li.querySelector(".facet-label");
        var match = !wanted || fold(label && label.textContent).indexOf(wanted) !== -1 ||
          fold(li.textContent).indexOf(wanted) !== -1;  // a parent stays while a child matches
        li.hidden = !match;
        if (match) { shown += 1; }
      });
      if (none) { none.hidden = shown > 0; }
    });
  });

  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("q");
    if (!box) { return; }
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test((event.target && event.target.tagName) || "");
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();  // "/" jumps to the search box, as in many catalogues
      box.focus();
      box.select();
    } else if (event.key === "Escape" && event.target === box) {
      box.blur();
    }
  });
})();
