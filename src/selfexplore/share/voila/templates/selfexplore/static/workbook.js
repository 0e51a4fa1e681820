/*
 * The workbook app's own script: an anywidget module carried by the app's Shell widget, so it runs
 * wherever the app runs (Voila and JupyterLab alike). Its contract with the kernel is the Shell's synced
 * traits (place, addressed, status, cookie) and one message to the kernel: {go: "<query>"}.
 *
 * 1. Moving around. A click on an in-app link (an href that is a query string, such as "?page=values")
 *    asks the kernel for that page instead of loading a new one: the app swaps the page inside the same
 *    kernel. Under Voila ("addressed") the address follows the page the kernel shows, so Back, Forward,
 *    a reload and a bookmark land where the student expects; Back and Forward ask the kernel again.
 *    A link opened in a new tab (a modified click) is an ordinary link and opens a visit of its own.
 * 2. The sign-in cookie. The kernel sends the page pass, sealed, after a student starts or resumes (and
 *    a clear when they sign out); the page posts the seal and its kernel's id to the server, which opens it
 *    and keeps the pass in an HttpOnly, SameSite=Strict cookie for this server only, never in an address.
 *    No script on the page can read the pass.
 * 3. An honest saving status. When the student changes an answer (a widget marked se-answer), the status
 *    line says "Saving..." at once; the kernel replaces it with "Saved ..." after the commit, naming the
 *    answer it saved (and, for text, its length). An answer the kernel has not named within 8 seconds
 *    (the kernel was culled, restarted or killed) turns the line into a warning. The line stays in view.
 * 4. Stock widgets made accessible. A question is a RadioButtons widget whose description is its text:
 *    its radios get role="radiogroup", the question's visible text as their name and one shared name, so
 *    Tab moves between questions and the arrow keys choose. ToggleButtons get role="group" and
 *    aria-pressed. A wide table's box (se-scroll) becomes focusable and says that it scrolls sideways
 *    whenever it is wider than the screen.
 */

const SAVE_TIMEOUT_MS = 8000;
const LOST =
  "Not saved: the connection to the workbook was lost. Reload the page to go on; " +
  "every answer shown as saved before this is kept.";
let labelCounter = 0;

function labelId(label) {
  if (!label.id) {
    labelCounter += 1;
    label.id = "se-label-" + labelCounter;
  }
  return label.id;
}

function enhance(root) {
  root.querySelectorAll(".widget-radio").forEach((widget) => {
    const label = widget.querySelector(":scope > .widget-label");
    const box = widget.querySelector(":scope > .widget-radio-box");
    if (!label || !box) {
      return;
    }
    const id = labelId(label);
    if (box.getAttribute("aria-labelledby") !== id) {
      box.setAttribute("role", "radiogroup");
      box.setAttribute("aria-labelledby", id);
    }
    box.querySelectorAll('input[type="radio"]').forEach((input) => {
      if (input.name !== id) {
        input.name = id;
      }
    });
  });
  root.querySelectorAll(".widget-toggle-buttons").forEach((widget) => {
    const label = widget.querySelector(":scope > .widget-label");
    const group = widget.querySelector(":scope > .widget-container, :scope > div:not(.widget-label)");
    if (label && group && label.style.display !== "none" && group.getAttribute("role") !== "group") {
      group.setAttribute("role", "group");
      group.setAttribute("aria-labelledby", labelId(label));
    }
    widget.querySelectorAll("button").forEach((button) => {
      const pressed = button.classList.contains("mod-active") ? "true" : "false";
      if (button.getAttribute("aria-pressed") !== pressed) {
        button.setAttribute("aria-pressed", pressed);
      }
    });
  });
  root.querySelectorAll(".se-scroll").forEach((box) => {
    const overflows = box.scrollWidth > box.clientWidth + 1;
    if (box.classList.contains("se-overflows") !== overflows) {
      box.classList.toggle("se-overflows", overflows);
      if (overflows) {
        box.setAttribute("tabindex", "0");
      } else {
        box.removeAttribute("tabindex");
      }
    }
  });
}

function itemKey(element) {
  const holder = element.closest('[class*="se-item-"]');
  if (!holder) {
    return null;
  }
  const match = /(?:^|\s)se-item-(\S+)/.exec(holder.className);
  return match ? match[1] : null;
}

// The server sets the sign-in cookie (HttpOnly: no script on the page can read it back), one request after
// another, so that a sign-out posted after a sign-in is never overtaken by it.
let signIns = Promise.resolve();

function kernelId() {
  const config = document.getElementById("jupyter-config-data");
  try {
    return (config && JSON.parse(config.textContent).kernelId) || "";
  } catch (error) {
    return "";
  }
}

function keepSignIn(cookie) {
  const xsrf = /(?:^|;\s*)_xsrf=([^;]*)/.exec(document.cookie);
  // The pass comes sealed by the kernel: only the server opens it, for this browser and this kernel.
  const post = () =>
    fetch((cookie.path || "/") + "selfexplore/sign-in", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-XSRFToken": xsrf ? decodeURIComponent(xsrf[1]) : "" },
      body: new URLSearchParams({ sealed: cookie.sealed || "", kernel: kernelId() }),
    });
  // One more try after a failure (a dropped connection); after that, the next page load asks again.
  signIns = signIns.then(() => post().catch(post)).catch(() => undefined);
  return signIns;
}

function statusText(model, state) {
  if (state.local) {
    return state.local;
  }
  const status = model.get("status") || {};
  let text = status.text || "";
  if (Object.keys(state.pending).length > 0 && status.update !== undefined) {
    text += " Still saving your latest change...";
  }
  return text;
}

function statusState(model, state) {
  if (state.local === LOST) {
    return "failed";
  }
  if (state.local) {
    return "saving";
  }
  return (model.get("status") || {}).state || "idle";
}

function draw(model, state) {
  const line = state.line;
  const text = statusText(model, state);
  const kind = statusState(model, state);
  if (line.textContent !== text) {
    line.textContent = text;
  }
  line.className = "se-status se-status-" + kind;
  line.dataset.state = kind;
}

export default {
  // Everything happens in render: the app shows its Shell once, and the page's listeners live as long as
  // that view does (JupyterLab may render an output again; the old view's listeners are removed first).
  render({ model, el }) {
    // The status line: a polite live region, so each save is announced without moving the focus. In the
    // served app it lives in a bar of its own at the bottom of the window, outside the part of the page
    // that scrolls (Voila scrolls an inner box, so a line inside it could not stay in view); in
    // JupyterLab it stays at the end of the app.
    const line = document.createElement("p");
    line.setAttribute("role", "status");
    line.setAttribute("aria-live", "polite");
    let bar = null;
    if (model.get("addressed")) {
      bar = document.createElement("aside");
      bar.className = "se-status-bar";
      bar.setAttribute("aria-label", "Saving");
      bar.appendChild(line);
      document.body.appendChild(bar);
      // The page keeps a focused control above the bar (scroll-padding in selfexplore.css), as tall as the
      // bar is now: a long message makes it taller.
      const measure = () =>
        document.documentElement.style.setProperty("--se-status-height", `${bar.offsetHeight}px`);
      new ResizeObserver(measure).observe(bar);
      measure();
    } else {
      el.classList.add("se-status-line");
      el.appendChild(line);
    }
    // What the page is waiting to hear back about, and what the status line says meanwhile.
    const state = { line, pending: {}, local: null, lastUpdate: null, shownRoute: null };

    function inApp(element) {
      return element && element.closest && element.closest(".se-app");
    }

    // 1. Moving around.
    function onClick(event) {
      if (event.defaultPrevented || event.button !== 0) {
        return;
      }
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
        return;
      }
      const link = event.target.closest && event.target.closest("a[href]");
      if (!link || !inApp(link) || link.hasAttribute("download")) {
        return;
      }
      const href = link.getAttribute("href");
      if (!href.startsWith("?") || (link.target && link.target !== "_self")) {
        return;
      }
      event.preventDefault();
      model.send({ go: href.slice(1) });
    }

    function onHistory() {
      if (model.get("addressed")) {
        model.send({ go: window.location.search.slice(1) });
      }
    }

    // `place` is {page, query, title, replace} of the page the kernel shows ({} until it shows one).
    function followRoute() {
      const place = model.get("place") || {};
      if (!place.page) {
        return;
      }
      if (model.get("addressed")) {
        const wanted = place.query ? "?" + place.query : "";
        if (window.location.search !== wanted) {
          const address = window.location.pathname + wanted;
          // The first page the kernel shows replaces the address it was opened with (tidying away any
          // parameter it did not take); every later page is a new entry, so Back returns to it.
          if (state.shownRoute === null || place.replace) {
            window.history.replaceState(null, "", address);
          } else {
            window.history.pushState(null, "", address);
          }
        }
        if (place.title && document.title !== place.title) {
          document.title = place.title;
        }
      }
      const first = state.shownRoute === null;
      const moved = state.shownRoute !== place.query;
      state.shownRoute = place.query;
      // A link to one specialty or path (a match, a bookmark) names it: the page lands on it.
      const target = new URLSearchParams(place.query || "").get("id");
      if ((!first && moved && !place.replace) || (first && target)) {
        focusPage(place.page, target);
      }
    }

    // After a page change, put the keyboard and the screen reader at the new page's heading, at the top; for
    // a link to one specialty or path, at that page's own heading, which on a phone is screens further down.
    function focusPage(page, target, tries = 0) {
      const app = document.querySelector(".se-app");
      const view = app && app.querySelector(".se-view-" + page);
      const named = target && view && view.querySelector("#title-" + CSS.escape(target));
      const heading = named || (!target && view && view.querySelector("h1"));
      if (!heading) {
        if (tries < 120) {
          window.requestAnimationFrame(() => focusPage(page, target, tries + 1));
        } else if (view && view.querySelector("h1")) {
          focusPage(page, null, tries);
        }
        return;
      }
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
      (named || app).scrollIntoView({ block: "start" });
    }

    // 2. The sign-in cookie.
    function keepCookie() {
      const cookie = model.get("cookie");
      if (cookie && cookie.path) {
        keepSignIn(cookie);
      }
    }

    // 3. The saving status.
    function checkPending() {
      const now = Date.now();
      const late = Object.keys(state.pending).some((key) => now - state.pending[key].since >= SAVE_TIMEOUT_MS);
      if (late) {
        state.local = LOST;
        draw(model, state);
      }
    }

    function onEdit(event) {
      const target = event.target;
      if (!target || !target.matches || !target.matches("input, select, textarea") || !inApp(target)) {
        return;
      }
      // Only answers are saved as they change (widgets marked se-answer); a search box or a code is not.
      if (!target.closest(".se-answer")) {
        return;
      }
      // A text area is saved as it is typed (on input); other answers when they change.
      const typed = target.matches("textarea");
      if ((typed && event.type !== "input") || (!typed && event.type !== "change")) {
        return;
      }
      const key = itemKey(target);
      if (!key) {
        return;
      }
      state.pending[key] = { since: Date.now(), length: typed ? target.value.length : null };
      if (state.local !== LOST) {
        state.local = "Saving...";
      }
      draw(model, state);
      window.setTimeout(checkPending, SAVE_TIMEOUT_MS + 50);
    }

    function heardBack() {
      const status = model.get("status") || {};
      if (status.update === state.lastUpdate) {
        return;
      }
      state.lastUpdate = status.update;
      const key = status.key;
      const waiting = key ? state.pending[key] : null;
      if (waiting && (waiting.length === null || status.length == null || status.length === waiting.length)) {
        delete state.pending[key];
      }
      if (state.local !== LOST) {
        state.local = null;
      }
      draw(model, state);
    }

    // 4. Accessibility, whenever the page changes.
    let scheduled = false;
    function schedule() {
      if (!scheduled) {
        scheduled = true;
        window.requestAnimationFrame(() => {
          scheduled = false;
          enhance(document);
        });
      }
    }
    const observer = new MutationObserver(schedule);
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
    // [target, event, handler, capture]: added now, removed with the view.
    const listeners = [
      [window, "resize", schedule, false],
      [document, "click", onClick, false],
      [document, "change", onEdit, true],
      [document, "input", onEdit, true],
      [window, "popstate", onHistory, false],
    ];
    const changes = [
      ["change:cookie", keepCookie],
      ["change:place", followRoute],
      ["change:status", heardBack],
    ];
    listeners.forEach(([target, type, handler, capture]) => target.addEventListener(type, handler, capture));
    changes.forEach(([type, handler]) => model.on(type, handler));
    keepCookie();
    followRoute();
    schedule();
    draw(model, state);
    return () => {
      if (bar) {
        bar.remove();
      }
      observer.disconnect();
      listeners.forEach(([target, type, handler, capture]) => target.removeEventListener(type, handler, capture));
      changes.forEach(([type, handler]) => model.off(type, handler));
    };
  },
};
