"""The browser side of `sitegen serve`: a reload script injected into HTML responses.

It exists only in the preview server's responses, never in files on disk, so the
output of `sitegen build` carries neither the script nor its endpoint. The page
listens on a Server-Sent Events stream; each message is the server's status:
the id of the last good build and the problems of the latest failed one. A page
built from an older build reloads (keeping the reader's place); problems show as
a banner built with text nodes only, so no error message can become markup.
"""

from __future__ import annotations

import html
import re

PREFIX = "/__sitegen/"
SCRIPT_PATH = PREFIX + "reload.js"
EVENTS_PATH = PREFIX + "events"
OVERLAY_ID = "sitegen-build-error"

SCRIPT = r"""/* sitegen serve: live reload (preview only, never in built files) */
(function () {
  "use strict";
  var me = document.currentScript;
  var build = me ? me.getAttribute("data-build") : "";
  var KEY = "sitegen-serve-place:" + location.pathname;
  var source = null, box = null, reloading = false;

  /* Where the reader is: the first entry still in view and its offset, or the scroll position. */
  function place() {
    var here = {id: null, top: 0, x: window.scrollX, y: window.scrollY};
    if (window.scrollY <= 0) return here;  /* at the top: stay at the top, see what is new */
    var entries = document.querySelectorAll('[id^="entry-"]');
    for (var i = 0; i < entries.length; i++) {
      var r = entries[i].getBoundingClientRect();
      if (r.bottom > 0) { here.id = entries[i].id; here.top = r.top; break; }
    }
    return here;
  }

  function restore(done) {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { saved = null; }
    if (!saved) return;
    var el = saved.id ? document.getElementById(saved.id) : null;
    var y = el ? el.getBoundingClientRect().top + window.scrollY - saved.top : saved.y;
    window.scrollTo(saved.x, y);
    if (done) {
      try { sessionStorage.removeItem(KEY); } catch (e) { /* private mode */ }
    }
  }

  function reload() {
    reloading = true;
    try { sessionStorage.setItem(KEY, JSON.stringify(place())); } catch (e) { /* private mode */ }
    if ("scrollRestoration" in history) history.scrollRestoration = "manual";
    location.reload();
  }

  function text(tag, content, css) {
    var el = document.createElement(tag);
    el.textContent = content;
    if (css) el.className = css;
    return el;
  }

  function show(problems) {
    if (!problems || !problems.length) {
      if (box) { box.remove(); box = null; }
      return;
    }
    if (box) box.remove();
    box = document.createElement("div");
    box.id = "__OVERLAY_ID__";
    box.setAttribute("role", "alert");
    var root = box.attachShadow({mode: "open"});
    var style = document.createElement("style");
    style.textContent =
      ":host{all:initial;position:fixed;z-index:2147483647;top:0;left:0;right:0;" +
      "max-height:60vh;overflow:auto;background:#fff4f2;color:#1a1a1a;" +
      "border-bottom:4px solid #b00020;box-shadow:0 2px 12px rgba(0,0,0,.3);" +
      "font:15px/1.45 system-ui,sans-serif}" +
      ".in{padding:12px 16px}h2{margin:0 40px 6px 0;font-size:16px;color:#b00020}" +
      "p{margin:0 0 8px}ul{margin:0;padding:0;list-style:none}" +
      "li{font:13px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;" +
      "overflow-wrap:anywhere;padding:4px 0;border-top:1px solid #f0c8c8}" +
      "button{position:absolute;top:8px;right:10px;font:20px/1 sans-serif;border:0;" +
      "background:transparent;cursor:pointer;color:#1a1a1a;padding:4px 8px}" +
      "button:focus-visible{outline:2px solid #b00020}";
    var inner = document.createElement("div");
    inner.className = "in";
    inner.appendChild(text("h2", "sitegen: the last change did not build"));
    inner.appendChild(text("p", "You are seeing the last good version. Fix the file and save: " +
                                "this page reloads by itself."));
    var list = document.createElement("ul");
    for (var i = 0; i < problems.length; i++) list.appendChild(text("li", String(problems[i])));
    inner.appendChild(list);
    var close = text("button", "\u00d7");
    close.setAttribute("aria-label", "Dismiss");
    close.addEventListener("click", function () { if (box) { box.remove(); box = null; } });
    if (window.CSSStyleSheet && "adoptedStyleSheets" in root) {  /* (the page's CSP allows no <style>) */
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(style.textContent);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(style);
    }
    root.appendChild(inner);
    root.appendChild(close);
    (document.body || document.documentElement).appendChild(box);
  }

  function connect() {
    if (source || !window.EventSource) return;
    source = new EventSource("__EVENTS_PATH__");
    source.addEventListener("status", function (ev) {
      var status;
      try { status = JSON.parse(ev.data); } catch (e) { return; }
      if (status.build !== build) { reload(); return; }
      show(status.problems);
    });
  }

  function disconnect() {
    if (source) { source.close(); source = null; }
  }

  /* A hidden tab lets go of its stream, so many open tabs never exhaust the
     browser's connections to the preview; it catches up when shown again. */
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) disconnect(); else connect();
  });
  restore(false);
  window.addEventListener("load", function () { restore(true); });
  /* Our reloads restore the place themselves ("manual"); ordinary navigation
     away from this page gets the browser's own restoration back. */
  window.addEventListener("pagehide", function () {
    if (!reloading && "scrollRestoration" in history) history.scrollRestoration = "auto";
  });
  if (!document.hidden) connect();
})();
""".replace("__OVERLAY_ID__", OVERLAY_ID).replace("__EVENTS_PATH__", EVENTS_PATH)

_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


def script_tag(build_id: str) -> bytes:
    """The tag that loads the reload script, labelled with the build the page came from."""
    return f'<script src="{SCRIPT_PATH}" data-build="{html.escape(build_id)}"></script>'.encode()


def inject(page: bytes, build_id: str) -> bytes:
    """`page` with the reload script before its last `</body>` (or at its end)."""
    tag = script_tag(build_id)
    matches = list(_BODY_END.finditer(page))
    if not matches:
        return page + tag
    at = matches[-1].start()
    return page[:at] + tag + page[at:]


def fallback_page(title: str, message: str, build_id: str) -> bytes:
    """A minimal page for when the site has none to show (no 404.html, or no good build yet)."""
    body = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title></head>"
            f'<body style="font:16px/1.5 system-ui,sans-serif;margin:2rem">'
            f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>\n")
    return inject(body.encode(), build_id)
