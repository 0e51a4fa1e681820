/*
 * selfexplore page helpers: accessibility for stock ipywidgets, and an honest saving status.
 *
 * 1. A question is a RadioButtons widget whose description is the question's text. Stock ipywidgets draws
 *    the description as a <label> tied to nothing and gives the radios no common name, so a screen reader
 *    hears five unlabelled choices and the arrow keys do not move between them. Here each group of radios
 *    gets role="radiogroup", is labelled by the question's visible text, and shares one name.
 * 2. ToggleButtons get role="group" with their label, and aria-pressed on the chosen button.
 * 3. When the student changes an answer (a widget marked se-answer), the status line says "Saving..." at once; the kernel replaces it
 *    with "Saved ..." after the commit. If no word comes back (the kernel is gone), the line says so, so
 *    nothing is ever shown as saved that was not.
 * 4. Voila shuts a page's kernel down when the page is left, with a request that must carry the _xsrf
 *    cookie; the rendered notebook page never sets that cookie (voila issue 1458), so the request is
 *    refused and the kernel lingers until culled. Asking the server's front page once sets the cookie.
 */
(function () {
  "use strict";
  var counter = 0;
  var SAVE_TIMEOUT_MS = 8000;

  function labelId(label) {
    if (!label.id) {
      counter += 1;
      label.id = "se-label-" + counter;
    }
    return label.id;
  }

  function enhance() {
    document.querySelectorAll(".widget-radio").forEach(function (widget) {
      var label = widget.querySelector(":scope > .widget-label");
      var box = widget.querySelector(":scope > .widget-radio-box");
      if (!label || !box) {
        return;
      }
      var id = labelId(label);
      if (box.getAttribute("aria-labelledby") !== id) {
        box.setAttribute("role", "radiogroup");
        box.setAttribute("aria-labelledby", id);
      }
      box.querySelectorAll('input[type="radio"]').forEach(function (input) {
        if (input.name !== id) {
          input.name = id;
        }
      });
    });
    document.querySelectorAll(".widget-toggle-buttons").forEach(function (widget) {
      var label = widget.querySelector(":scope > .widget-label");
      var group = widget.querySelector(":scope > .widget-container, :scope > div:not(.widget-label)");
      if (label && group && label.style.display !== "none" && group.getAttribute("role") !== "group") {
        group.setAttribute("role", "group");
        group.setAttribute("aria-labelledby", labelId(label));
      }
      widget.querySelectorAll("button").forEach(function (button) {
        var pressed = button.classList.contains("mod-active") ? "true" : "false";
        if (button.getAttribute("aria-pressed") !== pressed) {
          button.setAttribute("aria-pressed", pressed);
        }
      });
    });
  }

  var scheduled = false;
  function schedule() {
    if (!scheduled) {
      scheduled = true;
      window.requestAnimationFrame(function () {
        scheduled = false;
        enhance();
      });
    }
  }

  function markSaving(event) {
    var target = event.target;
    // Only answers are saved on change (widgets marked se-answer); a search box or a code field is not.
    if (!target || !target.closest || !target.matches("input, select, textarea") || !target.closest(".se-answer")) {
      return;
    }
    var frame = target.closest(".se-page-frame");
    var status = frame && frame.querySelector(".se-status");
    if (!status) {
      return;
    }
    status.textContent = "Saving...";
    status.className = "se-status se-status-saving";
    var marked = status;
    window.setTimeout(function () {
      if (marked.isConnected && marked.classList.contains("se-status-saving")) {
        marked.textContent =
          "Not saved: the connection to the workbook was lost. Reload the page to go on; " +
          "every answer shown as saved before this is kept.";
        marked.className = "se-status se-status-failed";
      }
    }, SAVE_TIMEOUT_MS);
  }

  function ensureXsrfCookie() {
    if (/\b_xsrf=/.test(document.cookie)) {
      return;
    }
    var voilaBase = document.body && document.body.getAttribute("data-base-url");
    var root = voilaBase ? voilaBase.replace(/voila\/$/, "") : "/";
    window.fetch(root, { credentials: "same-origin", cache: "no-store" }).catch(function () {
      /* the kernel is then culled when idle instead */
    });
  }

  document.addEventListener("change", markSaving, true);
  ensureXsrfCookie();
  new MutationObserver(schedule).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["class"],
  });
  schedule();
})();
