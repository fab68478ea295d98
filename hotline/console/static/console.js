/* hotline console: small progressive enhancements on top of htmx (no inline scripts anywhere). */
(function () {
  "use strict";

  function statusRegion() {
    return document.getElementById("net-status");
  }

  function focusOn(element) {
    if (!element) { return; }
    if (!element.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(element.tagName)) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }

  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  // Where the work continues: the element a page or a swapped block marks with data-focus.
  document.addEventListener("DOMContentLoaded", function () {
    var marked = document.querySelector("[data-focus]");
    if (marked && !document.querySelector("[autofocus]")) { focusOn(marked); }
  });

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
    var target = event.detail.target;
    if (target && !target.isConnected && target.id) { target = document.getElementById(target.id); }
    if (!target) { return; }
    // An article opened from the results: keyboard and screen-reader users continue there;
    // a sent reply: its status. Never back to the page body when the focused element went.
    var marked = target.matches("[data-focus]") ? target : target.querySelector("[data-focus]");
    if (target.id === "article") {
      focusOn(target);
    } else if (marked) {
      focusOn(marked);
    } else if (focusLost()) {
      focusOn(target);
    }
  });

  function editing(element) {
    return element && (element.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(element.tagName));
  }

  function resultLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("#results .results li > a"));
  }

  // "/" moves to the search field (documented beside it); the arrow keys walk the results.
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var search = document.getElementById("f-q");
    if (!search) { return; }
    var active = document.activeElement;
    if (event.key === "/" && !editing(active)) {
      event.preventDefault();
      search.focus();
      search.select();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") { return; }
    var links = resultLinks();
    var index = links.indexOf(active);
    if (active === search && event.key === "ArrowDown" && links.length) {
      event.preventDefault();
      links[0].focus();
    } else if (index >= 0) {
      event.preventDefault();
      if (event.key === "ArrowDown") {
        links[Math.min(index + 1, links.length - 1)].focus();
      } else if (index === 0) {
        search.focus();
      } else {
        links[index - 1].focus();
      }
    }
  });

  // Switching municipality with a half-written reply asks first (the reply would be lost).
  function draftStarted() {
    var form = document.getElementById("compose-form");
    if (!form) { return false; }
    var written = ["to", "citizen_name", "subject", "body_markdown"].some(function (name) {
      var field = form.elements.namedItem(name);
      return field && field.value.trim() !== "";
    });
    return written || form.querySelector("input[name=article_slugs]:checked") !== null;
  }

  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-dialog-close]");
    if (close) {
      close.closest("dialog").close();
      return;
    }
    var guarded = event.target.closest("a[data-draft-guard]");
    if (!guarded || !draftStarted()) { return; }
    var dialog = document.getElementById(guarded.getAttribute("data-draft-guard"));
    if (!dialog || typeof dialog.showModal !== "function") { return; }
    event.preventDefault();
    dialog.addEventListener("close", function () { guarded.focus(); }, { once: true });
    dialog.showModal();
  });
})();
