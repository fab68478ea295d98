/* hotline console: small progressive enhancements on top of htmx (no inline scripts anywhere). */
(function () {
  "use strict";

  function statusRegion() {
    return document.getElementById("net-status");
  }

  // Screen readers hear that a region is loading, and that it failed when the network does.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target) { target.setAttribute("aria-busy", "true"); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.target;
    if (target) { target.removeAttribute("aria-busy"); }
  });
  document.addEventListener("htmx:sendError", function () {
    var region = statusRegion();
    if (region) { region.textContent = "Ingen forbindelse til serveren. Prøv igen om lidt."; }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var region = statusRegion();
    if (region) { region.textContent = ""; }
    // An article opened from the results: keyboard and screen-reader users continue there.
    if (event.detail.target && event.detail.target.id === "article") {
      event.detail.target.focus();
    }
  });
})();
