/*
 * selfexplore page script, for the Voila page around the app (the app's own script is workbook.js, which
 * the app's Shell widget carries, so that it runs in JupyterLab too).
 *
 * 1. No page is ever left blank. The page says "Opening your workbook..." until the app is on screen. If
 *    the app does not appear in time (its kernel did not answer: a room of students opening it at once,
 *    a kernel that died at start), the page says so, then loads itself again, a few times at most, and
 *    finally asks the student to reload in a minute. Nothing has been answered on a page that never
 *    showed the app, so loading it again loses nothing.
 * 2. Voila shuts a page's kernel down when the page is left, with a request that must carry the _xsrf
 *    cookie and the same value in a header; the rendered page never sets that cookie (voila issue 1458),
 *    so the request is refused and the kernel lingers until culled. The cookie is a random value the
 *    server only compares with the header (the double-submit check): the page sets one itself. (Asking
 *    the server for another page to get one would start a kernel: the server's every page is the app.)
 */
(function () {
  "use strict";
  // The waits, in milliseconds; a test may shorten them (window.__seOpening) to see the retries happen.
  var timings = window.__seOpening || {};
  var SLOW_MS = timings.slow || 8000; // "taking longer than usual"
  var RETRY_MS = timings.retry || 45000; // load the page again
  var RETRIES = 3;
  var KEY = "selfexplore-opening-retries";

  function appShown() {
    // The workbook, the facilitator's dashboard or the adviser's page (the same template serves all three).
    var app = document.querySelector(".se-page-frame");
    return Boolean(app && app.offsetParent !== null);
  }

  function say(text, state) {
    var notice = document.getElementById("se-opening");
    if (notice) {
      notice.textContent = text;
      notice.setAttribute("data-state", state);
    }
  }

  function retries() {
    try {
      return Number(window.sessionStorage.getItem(KEY) || "0");
    } catch (error) {
      return RETRIES;
    }
  }

  function setRetries(count) {
    try {
      window.sessionStorage.setItem(KEY, String(count));
    } catch (error) {
      /* storage refused: no automatic retry */
    }
  }

  function watch() {
    var started = Date.now();
    var timer = window.setInterval(function () {
      if (appShown()) {
        window.clearInterval(timer);
        setRetries(0);
        return;
      }
      var waited = Date.now() - started;
      if (waited >= RETRY_MS) {
        window.clearInterval(timer);
        var tried = retries();
        if (tried < RETRIES) {
          setRetries(tried + 1);
          say("The workbook did not open in time. Trying again...", "retrying");
          window.location.reload();
        } else {
          setRetries(0);
          say("The workbook could not be opened just now. Please wait a minute, then reload this page.", "failed");
        }
      } else if (waited >= SLOW_MS) {
        say(
          "Opening your workbook is taking longer than usual (many people may be opening it at once). " +
            "Please wait: this page keeps trying by itself.",
          "slow"
        );
      }
    }, 500);
  }

  function ensureXsrfCookie() {
    if (/(?:^|;\s*)_xsrf=/.test(document.cookie) || !window.crypto) {
      return;
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var token = Array.prototype.map
      .call(bytes, function (byte) {
        return ("0" + byte.toString(16)).slice(-2);
      })
      .join("");
    var voilaBase = document.body && document.body.getAttribute("data-base-url");
    var root = voilaBase ? voilaBase.replace(/voila\/$/, "") : "/";
    var secure = window.location.protocol === "https:" ? "; Secure" : "";
    document.cookie = "_xsrf=" + token + "; Path=" + root + "; SameSite=Strict" + secure;
  }

  ensureXsrfCookie();
  watch();
})();
