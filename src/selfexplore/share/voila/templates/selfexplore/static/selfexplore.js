/*
 * selfexplore page helpers: accessibility for stock ipywidgets, and an honest saving status.
 *
 * 1. A question is a RadioButtons widget whose description is the question's text. Stock ipywidgets draws
 *    the description as a <label> tied to nothing and gives the radios no common name, so a screen reader
 *    hears five unlabelled choices and the arrow keys do not move between them. Here each group of radios
 *    gets role="radiogroup", is labelled by the question's visible text, and shares one name.
 * 2. ToggleButtons get role="group" with their label, and aria-pressed on the chosen button.
 * 3. When the student changes an answer (a widget marked se-answer), the status line says "Saving..." at
 *    once; the kernel replaces it with "Saved ..." after the commit, naming the answer it saved. An answer
 *    the kernel has not named within 8 seconds (it was culled, restarted or killed) turns the line into a
 *    warning, so nothing is ever shown as saved that was not.
 * 4. Once the start page has signed a student in, its address takes the page pass of its links, so that
 *    reloading the page keeps the student signed in (the resume code itself is never in an address).
 * 5. Voila shuts a page's kernel down when the page is left, with a request that must carry the _xsrf
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
        heardBack();
        keepPassInAddress();
      });
    }
  }

  // Answers waiting for the kernel's word, by key (the widget's se-item-<key> class): when each was last
  // changed and, for text, how long it was then. The kernel's status line names the key it just saved
  // (data-item) and, for text, the saved length (data-length); only that clears the wait.
  var pending = {};
  var lastUpdate = null;

  function itemKey(element) {
    var holder = element.closest('[class*="se-item-"]');
    if (!holder) {
      return null;
    }
    var match = /(?:^|\s)se-item-(\S+)/.exec(holder.className);
    return match ? match[1] : null;
  }

  function statusLine(element) {
    var frame = element.closest(".se-page-frame") || document;
    return frame.querySelector(".se-status");
  }

  function markSaving(event) {
    var target = event.target;
    // Only answers are saved as they change (widgets marked se-answer); a search box or a code field is not.
    if (!target || !target.closest || !target.matches("input, select, textarea") || !target.closest(".se-answer")) {
      return;
    }
    // A text area is saved as it is typed (on input); other answers when they change.
    var typed = target.matches("textarea");
    if ((typed && event.type !== "input") || (!typed && event.type !== "change")) {
      return;
    }
    var key = itemKey(target);
    var status = statusLine(target);
    if (!key || !status) {
      return;
    }
    pending[key] = { since: Date.now(), length: typed ? target.value.length : null };
    status.textContent = "Saving...";
    status.className = "se-status se-status-saving";
    window.setTimeout(checkPending, SAVE_TIMEOUT_MS + 50);
  }

  function checkPending() {
    var now = Date.now();
    var late = Object.keys(pending).some(function (key) {
      return now - pending[key].since >= SAVE_TIMEOUT_MS;
    });
    var status = document.querySelector(".se-status");
    if (late && status) {
      status.textContent =
        "Not saved: the connection to the workbook was lost. Reload the page to go on; " +
        "every answer shown as saved before this is kept.";
      status.className = "se-status se-status-failed";
    }
  }

  function heardBack() {
    var status = document.querySelector(".se-status[data-update]");
    if (!status || status.getAttribute("data-update") === lastUpdate) {
      return;
    }
    lastUpdate = status.getAttribute("data-update");
    var key = status.getAttribute("data-item");
    if (key && pending[key]) {
      var length = status.getAttribute("data-length");
      if (pending[key].length === null || length === null || Number(length) === pending[key].length) {
        delete pending[key];
      }
    }
    if (Object.keys(pending).length > 0) {
      status.textContent += " Still saving your latest change...";
    }
  }

  function keepPassInAddress() {
    var params = new URLSearchParams(window.location.search);
    if (params.has("pass")) {
      return;
    }
    var link = document.querySelector('.se-page-frame a.se-next[href*="pass="]');
    var target = link && new URL(link.getAttribute("href"), window.location.href);
    var token = target && target.searchParams.get("pass");
    if (token) {
      params.set("pass", token);
      window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
    }
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
  document.addEventListener("input", markSaving, true);
  ensureXsrfCookie();
  new MutationObserver(schedule).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["class"],
  });
  schedule();
})();
