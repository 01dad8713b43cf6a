/* sitegen.js: the one small, dependency-free script on every page (the same file
 * everywhere, so browsers and CDNs cache it once). Every page is complete
 * without it; it only adds:
 *   - live updates on a live liveblog's front page: polls updates.json (jitter,
 *     conditional requests, back-off, paused while hidden), slides new entries
 *     in or offers an "N new updates" button, edits in place, drops removed ones;
 *   - links to entries that moved page (#entry-E not here): asks the entry's own
 *     page where E lives now and goes there;
 *   - reader comforts: relative times, jump to latest, topic filter, order toggle;
 *   - the comment widget, loaded only when the reader asks for it;
 *   - social posts and videos (embed cards): the provider's embed is put in an
 *     iframe only when the reader presses "Show the post" (or the site chose to
 *     load it at once); until then the page asks no other host for anything.
 * Hooks are data-* attributes the templates write (data-entry-pages, data-live-url,
 * data-live-poll, data-latest-url on the stream; data-provider ... on #comments).
 * Every text it shows comes from the build, in the page's language, with CLDR
 * plural categories worked out: the texts script the page loads first
 * (assets/texts-LANG.HASH.js sets window.SITEGEN_TEXTS), or else a theme's
 * inline #sitegen-texts JSON block.
 */
(function () {
  "use strict";
  var doc = document;
  var ID = /^[a-z0-9][a-z0-9_-]{0,99}$/;
  var MAX_BACKOFF = 300;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function all(sel, scope) { return Array.prototype.slice.call((scope || doc).querySelectorAll(sel)); }
  function one(sel, scope) { return (scope || doc).querySelector(sel); }
  function make(tag, cls, text) {
    var el = doc.createElement(tag);
    if (cls) el.className = cls;
    if (text) el.textContent = text;
    return el;
  }

  /* ---- texts in the page's language (the build writes them, see i18n) ---- */
  var I18N = (function () {
    var given = window.SITEGEN_TEXTS;
    if (given && typeof given === "object") return given;
    var block = doc.getElementById("sitegen-texts");
    try { return JSON.parse(block ? block.textContent : "{}") || {}; } catch (e) { return {}; }
  })();
  var texts = I18N.texts || {};
  function text(key) { return typeof texts[key] === "string" ? texts[key] : ""; }
  function number(n) {
    var digits = typeof I18N.digits === "string" && I18N.digits.length === 10 ? I18N.digits : "";
    var s = String(n);
    return digits ? s.replace(/[0-9]/g, function (d) { return digits.charAt(+d); }) : s;
  }
  /* The CLDR plural category of n: from the build's table (Babel's rules) for small
   * counts, else the browser's Intl.PluralRules, else "other". */
  function category(p, n) {
    var cats = p.categories || [];
    var at = typeof p.table === "string" && n >= 0 && n < p.table.length ? cats[+p.table.charAt(n)] : null;
    if (at) return at;
    try { return new Intl.PluralRules(I18N.lang || undefined).select(n); } catch (e) { return "other"; }
  }
  function plural(key, n) {
    var p = (I18N.plurals || {})[key] || {};
    var forms = p.forms || {};
    var form = forms[category(p, n)] || forms.other || "{count}";
    return form.replace(/\{count\}/g, number(n));
  }

  /* ---- relative times ------------------------------------------------- */
  var rtf = window.Intl && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(I18N.lang || doc.documentElement.lang || undefined, { numeric: "auto", style: "short" })
    : null;
  var UNITS = [["day", 86400, 7], ["hour", 3600, 24], ["minute", 60, 60]];

  function ago(when, now) {
    var s = (now - when) / 1000;
    if (!rtf || isNaN(s) || s < -300 || s >= 7 * 86400) return "";
    if (s < 60) return rtf.format(0, "second");
    for (var i = 0; i < UNITS.length; i++) {
      if (s >= UNITS[i][1]) return rtf.format(-Math.floor(s / UNITS[i][1]), UNITS[i][0]);
    }
    return "";
  }

  function relativeTimes(scope) {
    var now = Date.now();
    all("time.entry__time[datetime]", scope).forEach(function (t) {
      var span = one(".sg-ago", t);
      if (!span) {
        span = make("span", "sg-ago");
        t.insertBefore(span, t.firstChild);
      }
      var text = ago(Date.parse(t.getAttribute("datetime")), now);
      span.textContent = text;
      span.hidden = !text;
    });
  }

  /* ---- comments: nothing third-party until the reader asks --------------- */
  function addScript(parent, src, attrs) {
    var s = doc.createElement("script");
    s.src = src;
    s.async = true;
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] != null) s.setAttribute(k, attrs[k]); });
    parent.appendChild(s);
    return s;
  }

  function httpUrl(value) {
    try {
      var u = new URL(value);
      return /^https?:$/.test(u.protocol) ? u.href.replace(/\/+$/, "") : null;
    } catch (e) { return null; }
  }

  var PROVIDERS = {
    disqus: function (d, thread) {
      var name = d.disqusShortname || "";
      if (!/^[A-Za-z0-9-]{1,64}$/.test(name)) return false;
      window.disqus_config = function () {
        this.page.url = d.url;
        this.page.identifier = d.threadId;
        this.page.title = d.title;
      };
      thread.id = "disqus_thread";
      addScript(doc.body, "https://" + name + ".disqus.com/embed.js", { "data-timestamp": String(Date.now()) });
      return true;
    },
    giscus: function (d, thread) {
      if (!/^[\w.-]+\/[\w.-]+$/.test(d.giscusRepo || "")) return false;
      thread.appendChild(make("div", "giscus"));
      addScript(thread, "https://giscus.app/client.js", {
        "data-repo": d.giscusRepo, "data-repo-id": d.giscusRepoId,
        "data-category": d.giscusCategory, "data-category-id": d.giscusCategoryId,
        "data-mapping": "specific", "data-term": d.threadId, "data-strict": "1",
        "data-reactions-enabled": "1", "data-emit-metadata": "0", "data-input-position": "top",
        "data-theme": "preferred_color_scheme", "data-lang": doc.documentElement.lang || "en",
        crossorigin: "anonymous"
      });
      return true;
    },
    coral: function (d, thread) {
      var root = httpUrl(d.coralUrl || "");
      if (!root) return false;
      thread.id = "coral_thread";
      addScript(thread, root + "/assets/js/embed.js").addEventListener("load", function () {
        if (window.Coral) {
          window.Coral.createStreamEmbed({ id: "coral_thread", autoRender: true, rootURL: root,
                                           storyID: d.threadId, storyURL: d.url });
        }
      });
      return true;
    }
  };

  function comments() {
    var box = doc.getElementById("comments");
    var button = box && one(".comments__load", box);
    var load = box && PROVIDERS[box.getAttribute("data-provider")];
    if (!button || !load || !/^[A-Za-z0-9_-]+$/.test(box.getAttribute("data-thread-id") || "")) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var thread = one(".comments__thread", box) || box.appendChild(make("div", "comments__thread"));
      button.hidden = true;
      if (!load(box.dataset, thread)) thread.textContent = text("comments_unavailable");
    }, { once: true });
  }

  /* ---- the stream ------------------------------------------------------ */
  var stream = one("[data-entry-pages]");
  var list = stream && one(".stream__entries", stream);
  var pinnedBox = stream && one(".stream__pinned", stream);
  var filter = "";
  var keyOnly = false;  // "Key events only"
  var oldestFirst = false;
  var embed = stream && stream.hasAttribute("data-embed");

  /* An entry is an <article id="entry-E">; its time is its <time class="entry__time" datetime>. */
  function articles(scope) { return all("article[id^='entry-']", scope || stream); }
  function timeOf(el) {
    var t = one("time.entry__time", el);
    return (t && Date.parse(t.getAttribute("datetime"))) || 0;
  }
  /* Its topics: the slugs of its topic links (L/topics/SLUG/), in order. */
  function topicsOf(el) {
    return all(".entry__topics a", el).map(function (link) {
      var m = /\/topics\/([^\/]+)\/$/.exec(link.pathname);
      return m ? decodeURIComponent(m[1]) : "";
    });
  }

  function applyFilter(scope) {
    var shown = 0;
    articles(scope).forEach(function (a) {
      var topics = topicsOf(a);
      a.hidden = (!!filter && topics.indexOf(filter) < 0) || (keyOnly && !a.classList.contains("entry--key"));
      if (!a.hidden) shown++;
    });
    return shown;
  }

  /* In an embed, links open beside the page around it, never inside the frame. */
  function outward(scope) {
    if (!embed) return;
    all("a[href]", scope).forEach(function (a) {
      if (a.getAttribute("href").charAt(0) === "#") return;
      a.target = "_blank";
      a.rel = "noopener";
    });
  }

  function decorate(el) {
    outward(el);
    relativeTimes(el);
    embeds(el);
    applyFilter(el.parentNode);
  }

  /* Keeps what the reader is looking at in place while `change` edits the page above
   * it. Where the browser anchors scrolling itself, the measured shift is already 0. */
  function keepPosition(change) {
    var anchor = null, top = 0;
    var candidates = articles().concat(all(".pager, #comments"));
    for (var i = 0; i < candidates.length; i++) {
      var r = candidates[i].getBoundingClientRect();
      if (r.height && r.bottom > 0 && r.top < window.innerHeight) { anchor = candidates[i]; top = r.top; break; }
    }
    change();
    if (anchor && anchor.isConnected) {
      var delta = anchor.getBoundingClientRect().top - top;
      if (Math.abs(delta) >= 1) window.scrollBy(0, delta);
    }
  }

  /* ---- manifest HTML, made inert ---------------------------------------- */
  /* updates.json's HTML is sitegen's own escaped markup, but it travels through CDNs
   * and caches. It is parsed into a separate, inert document (nothing there loads or
   * runs), and whatever could run script is dropped before it joins the page: script-
   * like elements, on* handler attributes, script and document URLs. (The page's
   * Content-Security-Policy would stop them too; this does not rely on it.) */
  var UNSAFE = "script,object,embed,applet,base,meta,link,style,frame,frameset,handler,listener," +
    "set,animate";  /* (SVG animations can point an href at javascript:) */
  var URL_ATTR = /^(?:href|src|srcset|action|formaction|xlink:href|poster|data|background|ping|to|values|from)$/;
  var SCRIPT_URL = /^(?:javascript|vbscript|data):/i;

  function clean(root) {
    all(UNSAFE, root).forEach(function (el) { el.remove(); });
    all("*", root).forEach(function (el) {
      for (var i = el.attributes.length - 1; i >= 0; i--) {
        var name = el.attributes[i].name.toLowerCase();
        var value = el.attributes[i].value.replace(/[\u0000-\u0020]/g, "");
        if (name.indexOf("on") === 0 || name === "srcdoc" || (URL_ATTR.test(name) && SCRIPT_URL.test(value))) {
          el.removeAttribute(el.attributes[i].name);
        }
      }
      if (el.content && el.content.nodeType === 11) clean(el.content);  /* a <template>'s inert content */
    });
  }

  function inert(html) {
    var body = new DOMParser().parseFromString("<!DOCTYPE html><body>" + html, "text/html").body;
    clean(body);
    var fragment = doc.createDocumentFragment();
    for (var n = body.firstChild; n; n = n.nextSibling) fragment.appendChild(doc.importNode(n, true));
    return fragment;
  }

  function parseEntry(entry) {
    if (!entry || !ID.test(entry.id) || typeof entry.html !== "string") return null;
    var el = inert(entry.html).firstElementChild;
    return el && el.id === "entry-" + entry.id ? el : null;
  }

  /* Puts a new entry where its time belongs (pinned ones above the stream). */
  function place(el) {
    var box = el.classList.contains("entry--pinned") && pinnedBox ? pinnedBox : list;
    var when = timeOf(el);
    var before = articles(box).filter(function (a) {
      return oldestFirst ? timeOf(a) > when : timeOf(a) < when;
    })[0];
    box.insertBefore(el, before || null);
    decorate(el);
  }

  /* ---- phones: the boxes above the stream folded, so the first entry shows ---- */
  /* The HTML has them open (no script, tablets, wide screens); on a phone they start
   * folded unless the address points into one. Wide screens keep them open. */
  function folds() {
    var boxes = all("details.fold, details.summary");
    if (!boxes.length || !window.matchMedia) return;
    var wide = window.matchMedia("(min-width: 64em)");
    var phone = window.matchMedia("(max-width: 40em)");
    var target = location.hash && doc.getElementById(decodeURIComponent(location.hash.slice(1)));
    boxes.forEach(function (box) {
      if (phone.matches && !(target && box.contains(target))) box.open = false;
      one("summary", box).addEventListener("click", function (e) { if (wide.matches) e.preventDefault(); });
    });
    var widen = function () { if (wide.matches) boxes.forEach(function (box) { box.open = true; }); };
    if (wide.addEventListener) wide.addEventListener("change", widen);
  }

  /* The sidebar's topic counts, as the last build counted them (updates.json). */
  function topicCounts(counts) {
    if (!counts || typeof counts !== "object") return;
    Object.keys(counts).forEach(function (slug) {
      var box = ID.test(slug) && doc.getElementById("topic-" + slug);
      var count = box && one(".topic-index__count", box);
      var n = counts[slug];
      if (count && typeof n === "number" && n >= 0 && n % 1 === 0) count.textContent = String(n);
    });
  }

  /* ---- jump to latest, order, topic filter ------------------------------ */
  function latestTarget() {
    var items = articles(list).filter(function (a) { return !a.hidden; });
    return oldestFirst ? items[items.length - 1] : items[0];
  }

  function goTo(el) {
    if (!el) return;
    if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
    el.scrollIntoView({ behavior: reduceMotion ? "auto" : "smooth", block: "start" });
    el.focus({ preventScroll: true });
  }

  function jumpControl() {
    var url = stream.getAttribute("data-latest-url");
    var jump;
    if (url) {
      jump = make("a", "sg-jump", text("jump_to_latest"));
      jump.href = url;
    } else {
      jump = make("button", "sg-jump", text("jump_to_latest"));
      jump.type = "button";
      jump.addEventListener("click", function () {
        if (live) live.flush("quiet");
        goTo(latestTarget());
      });
    }
    jump.hidden = true;
    doc.body.appendChild(jump);
    doc.body.classList.add("sg-has-jump");  // room below the page's end: the bar covers no text there
    var update = function () { jump.hidden = stream.getBoundingClientRect().top > -window.innerHeight / 2; };
    window.addEventListener("scroll", throttle(update), { passive: true });
    update();
  }

  function setOrder(oldest, button) {
    if (oldest === oldestFirst) return;
    if (live) live.flush("quiet");
    oldestFirst = oldest;
    keepPosition(function () {
      articles(list).reverse().forEach(function (a) { list.appendChild(a); });
      placeVisitMarker();
    });
    button.setAttribute("aria-pressed", String(oldest));
    try { sessionStorage.setItem("sitegen-order", oldest ? "oldest" : "newest"); } catch (e) { /* private mode */ }
  }

  function topicChoices() {
    var topics = {}, order = [];
    function add(slug, title) {
      if (slug && ID.test(slug) && !topics[slug]) { topics[slug] = title || slug; order.push(slug); }
    }
    all(".topic-index [id^='topic-']").forEach(function (s) {
      var title = one("h2, h3, h4, a", s);
      add(s.id.slice(6), title && (one("a", title) || title).textContent.trim());
    });
    articles().forEach(function (a) {
      var links = all(".entry__topics a", a);
      topicsOf(a).forEach(function (slug, i) {
        add(slug, links[i] && links[i].textContent.trim());
      });
    });
    return order.map(function (slug) { return [slug, topics[slug]]; });
  }

  function toolbar() {
    var bar = make("div", "sg-toolbar");
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", text("reading_options"));
    var topics = stream.classList.contains("stream--topic") ? [] : topicChoices();
    var empty = make("p", "sg-empty", text("no_matching_updates"));
    empty.hidden = true;
    var select = null, key = null;
    function changed() {
      filter = select ? select.value : "";
      keyOnly = !!(key && key.checked);
      keepPosition(function () { empty.hidden = applyFilter() > 0; });
      rememberView();
    }
    if (topics.length > 1) {
      var label = make("label", "sg-filter", text("topic_filter") + " ");
      select = make("select");
      select.appendChild(new Option(text("all_topics"), ""));
      topics.forEach(function (t) { select.appendChild(new Option(t[1], t[0])); });
      select.addEventListener("change", changed);
      label.appendChild(select);
      bar.appendChild(label);
    }
    if (!stream.classList.contains("stream--key-events")) {
      var keyLabel = make("label", "sg-key");
      key = make("input");
      key.type = "checkbox";
      key.addEventListener("change", changed);
      keyLabel.appendChild(key);
      keyLabel.appendChild(doc.createTextNode(" " + text("key_events_only")));
      bar.appendChild(keyLabel);
    }
    var order = make("button", "sg-order", text("oldest_first"));
    order.type = "button";
    order.setAttribute("aria-pressed", "false");
    order.addEventListener("click", function () { setOrder(!oldestFirst, order); });
    bar.appendChild(order);
    var first = pinnedBox || list;
    first.parentNode.insertBefore(bar, first);
    first.parentNode.insertBefore(empty, first);
    var saved = null;
    try { saved = sessionStorage.getItem("sitegen-order"); } catch (e) { /* private mode */ }
    if (saved === "oldest") setOrder(true, order);
    restoreView(select, key, changed);
  }

  /* The reader's filter lives in the address (?topic=T&key-events=1), so a filtered
   * view can be shared and survives a reload. */
  function rememberView() {
    var url = new URL(location.href);
    if (filter) url.searchParams.set("topic", filter); else url.searchParams.delete("topic");
    if (keyOnly) url.searchParams.set("key-events", "1"); else url.searchParams.delete("key-events");
    if (url.href !== location.href) history.replaceState(history.state, "", url.href);
  }

  function restoreView(select, key, changed) {
    var params = new URLSearchParams(location.search);
    var topic = params.get("topic") || "";
    var wanted = false;
    if (select && topic && ID.test(topic) && one("option[value='" + topic + "']", select)) {
      select.value = topic;
      wanted = true;
    }
    if (key && params.get("key-events") === "1") {
      key.checked = true;
      wanted = true;
    }
    if (wanted) changed();
  }

  function throttle(fn) {
    var queued = false;
    return function () {
      if (queued) return;
      queued = true;
      window.requestAnimationFrame(function () { queued = false; fn(); });
    };
  }

  /* ---- entries that moved: #entry-E not on this page -------------------- */
  function resolveAnchor() {
    var m = /^#entry-([a-z0-9][a-z0-9_-]{0,99})$/.exec(location.hash);
    if (!m) return;
    var here = doc.getElementById("entry-" + m[1]);
    if (here) {
      if (here.hidden) {  // hidden by the reader's filter: show everything again
        var select = one(".sg-filter select"), key = one(".sg-key input");
        if (select) select.value = "";
        if (key) key.checked = false;
        (select || key).dispatchEvent(new Event("change"));
        goTo(here);
      }
      return;
    }
    var page = new URL(stream.getAttribute("data-entry-pages") + m[1] + "/", location.href);
    fetch(page.href, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("gone");
      return r.text().then(function (text) {
        var link = one("a[data-stream-link]", new DOMParser().parseFromString(text, "text/html"));
        var target = link && new URL(link.getAttribute("href"), r.url || page.href);
        if (!target || target.origin !== location.origin) throw new Error("no link");
        if (target.pathname !== location.pathname) location.replace(target.href);
      });
    }).catch(function () {
      var note = make("p", "sg-notice", text("update_moved"));
      note.setAttribute("role", "status");
      (pinnedBox || list).parentNode.insertBefore(note, pinnedBox || list);
    });
  }

  /* ---- since your last visit: the browser's own storage, nothing sent ----- */
  var visit = { key: null, seen: 0, boundary: null, marker: null };

  function storeSeen(time) {
    if (!visit.key || !(time > visit.seen)) return;
    visit.seen = time;
    try { localStorage.setItem(visit.key, JSON.stringify({ time: time })); } catch (e) { /* private mode */ }
  }

  function sawEntry(el) { if (!el.classList.contains("entry--scheduled")) storeSeen(timeOf(el)); }

  function placeVisitMarker() {
    var b = visit.boundary, m = visit.marker;
    if (b && m && b.parentNode) b.parentNode.insertBefore(m, oldestFirst ? b.nextSibling : b);
  }

  function lastVisit() {
    var slug = stream.getAttribute("data-liveblog");
    if (!slug || !ID.test(slug) || embed) return;
    var key = "sitegen-visit:" + slug, before = null;
    try { before = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { before = null; }
    var items = articles(list).filter(function (a) { return !a.classList.contains("entry--scheduled"); });
    var last = before && typeof before.time === "number" ? before.time : null;
    visit.key = key;
    items.forEach(sawEntry);
    if (last === null) return;
    var fresh = items.filter(function (a) { return timeOf(a) > last; });
    if (!fresh.length) return;
    var note = make("p", "sg-visit", plural("new_since_visit", fresh.length));
    note.setAttribute("role", "status");
    (pinnedBox || list).parentNode.insertBefore(note, pinnedBox || list);
    visit.boundary = items.filter(function (a) { return timeOf(a) <= last; })[0] || null;
    if (visit.boundary) {
      visit.marker = make("p", "sg-visit-marker", text("where_you_left_off"));
      visit.marker.id = "sg-last-visit";
      placeVisitMarker();
    }
  }

  /* ---- the embed: tells the page around it how tall it is --------------- */
  function embedHeight() {
    if (!embed || window.parent === window) return;
    var sent = 0;
    var post = function () {
      var height = Math.ceil(doc.documentElement.getBoundingClientRect().height);
      if (height !== sent) {
        sent = height;
        window.parent.postMessage({ sitegen: "embed-height", height: height }, "*");
      }
    };
    if (window.ResizeObserver) new ResizeObserver(post).observe(doc.documentElement);
    window.addEventListener("load", post);
    post();
  }

  /* ---- live updates ----------------------------------------------------- */
  var live = null;

  function Live(url, seconds) {
    var interval = clampSeconds(seconds);
    var timer = 0, failures = 0, busy = false, stopped = false;
    var etag = null, modified = null;
    var pending = [];
    var title = doc.title;
    var notice = make("div", "sg-live");
    notice.setAttribute("aria-live", "polite");
    var button = make("button", "sg-new-updates");
    button.type = "button";
    button.hidden = true;
    notice.appendChild(button);
    (pinnedBox || list).parentNode.insertBefore(notice, pinnedBox || list);

    function clampSeconds(s) { return Math.min(Math.max(Number(s) || 15, 1), 3600); }

    function schedule() {
      clearTimeout(timer);
      if (stopped || doc.hidden) return;
      var wait = failures ? Math.min(interval * Math.pow(2, failures), Math.max(interval, MAX_BACKOFF)) : interval;
      timer = setTimeout(poll, wait * 1000 * (0.8 + Math.random() * 0.4));
    }

    /* A Last-Modified less than a second before the response's Date is weak (the
     * file may change again within that second): only a strong one is sent back. */
    function remember(r) {
      etag = r.headers.get("ETag");
      var lm = r.headers.get("Last-Modified"), date = r.headers.get("Date");
      modified = lm && date && Date.parse(date) - Date.parse(lm) >= 1000 ? lm : null;
    }

    function poll() {
      if (busy || stopped) return;
      busy = true;
      clearTimeout(timer);
      var headers = {};
      if (etag) headers["If-None-Match"] = etag;
      else if (modified) headers["If-Modified-Since"] = modified;
      fetch(url, { cache: "no-store", credentials: "same-origin", headers: headers }).then(function (r) {
        if (r.status === 304) return null;
        if (!r.ok) throw new Error("HTTP " + r.status);
        remember(r);
        return r.json();
      }).then(function (manifest) {
        failures = 0;
        if (manifest) apply(manifest);
      }).catch(function () {
        failures++;
      }).then(function () {
        busy = false;
        schedule();
      });
    }

    function atTop() {
      return !oldestFirst && list.getBoundingClientRect().top > -10;
    }

    function apply(m) {
      if (!m || !Array.isArray(m.entries)) return;
      if (m.poll_seconds) interval = clampSeconds(m.poll_seconds);
      (Array.isArray(m.removed) ? m.removed : []).forEach(remove);
      var front = Array.isArray(m.front) ? m.front : [];
      var fresh = [];
      m.entries.forEach(function (entry) {
        var el = entry && ID.test(entry.id) && doc.getElementById("entry-" + entry.id);
        var waiting = pending.filter(function (p) { return p.id === entry.id; })[0];
        if (el) {
          if (el.getAttribute("data-version") !== entry.version) edit(el, entry);
        } else if (waiting) {
          pending[pending.indexOf(waiting)] = entry;
        } else if (front.indexOf(entry.id) >= 0 && parseEntry(entry)) {
          fresh.push(entry);
        }
      });
      if (fresh.length) arrive(fresh);
      lastUpdated(m.updated);
      if ("summary" in m) summary(m.summary);
      topicCounts(m.topics);
      var ends = typeof m.ends === "string" ? Date.parse(m.ends) : NaN;
      if ((m.status && m.status !== "live") || ends <= Date.now()) stop();
    }

    /* The key points above the stream, refreshed in place when the desk edits them. */
    function summary(data) {
      var box = doc.getElementById("summary");
      if (!box) return;
      if (!data || typeof data.html !== "string") { box.hidden = true; return; }
      if (box.getAttribute("data-version") !== data.version) {
        one(".summary__body", box).replaceChildren(inert(data.html));
        box.setAttribute("data-version", String(data.version));
        var when = new Date(data.updated);
        var time = one(".summary__updated time", box);
        if (typeof data.updated === "string" && !isNaN(when)) {
          if (!time) {
            var span = make("span", "summary__updated");
            var parts = text("updated_at").split("{time}");  // "Updated {time}", in the page's language
            time = make("time");
            span.appendChild(doc.createTextNode(parts[0] || ""));
            span.appendChild(time);
            span.appendChild(doc.createTextNode(parts.slice(1).join("") || ""));
            one(".summary__toggle", box).appendChild(span);
          }
          time.setAttribute("datetime", data.updated);
          time.textContent = when.toLocaleString(doc.documentElement.lang || undefined, {
            weekday: "short", day: "numeric", month: "long", year: "numeric",
            hour: "2-digit", minute: "2-digit", timeZoneName: "short"
          });
        }
      }
      box.hidden = false;
    }

    /* The header's "Last updated", in the reader's own time zone once it changes. */
    function lastUpdated(iso) {
      var t = one(".liveblog-header__updated time");
      var when = new Date(iso);
      if (!t || typeof iso !== "string" || isNaN(when) || t.getAttribute("datetime") === iso) return;
      t.setAttribute("datetime", iso);
      t.textContent = when.toLocaleString(doc.documentElement.lang || undefined, {
        weekday: "short", day: "numeric", month: "long", year: "numeric",
        hour: "2-digit", minute: "2-digit", timeZoneName: "short"
      });
    }

    function edit(el, entry) {
      var next = parseEntry(entry);
      if (!next) return;
      keepPosition(function () { el.replaceWith(next); });
      decorate(next);
    }

    function remove(id) {
      pending = pending.filter(function (p) { return p.id !== id; });
      var el = typeof id === "string" && ID.test(id) && doc.getElementById("entry-" + id);
      if (el && el.matches("article")) keepPosition(function () { el.remove(); });
      showCount();
    }

    function arrive(fresh) {
      if (embed) {
        insert(fresh, true, false);
        articles(list).slice(Number(stream.getAttribute("data-embed")) || 10).forEach(function (a) { a.remove(); });
      } else if (oldestFirst) {
        insert(fresh, false, true);  // they go below: nothing moves
      } else if (atTop()) {
        insert(fresh, true, false);  // the reader watches them slide in
      } else {
        pending = fresh.concat(pending);
        showCount();
      }
    }

    /* Inserts entries (newest first); `keep`: without moving what the reader looks at. */
    function insert(entries, animate, keep) {
      var nodes = entries.map(parseEntry).filter(Boolean);
      var change = function () {
        nodes.slice().reverse().forEach(function (el) {
          if (animate && !reduceMotion) {
            el.classList.add("sg-arrived");
            el.addEventListener("animationend", function () { el.classList.remove("sg-arrived"); }, { once: true });
          }
          place(el);
          sawEntry(el);
        });
      };
      if (keep) keepPosition(change);
      else change();
      return nodes;
    }

    function showCount() {
      var n = pending.length;
      button.hidden = !n;
      button.textContent = n ? "\u2191 " + plural("new_updates", n) : "";
      doc.title = n ? "(" + n + ") " + title : title;
    }

    /* Inserts what is waiting. "reveal" (the button): in place, then takes the reader
     * to the newest; "top" (the reader came back up): slides in; "quiet": in place. */
    function flush(how) {
      if (!pending.length) return;
      var nodes = insert(pending, how !== "quiet", how !== "top");
      pending = [];
      showCount();
      if (how === "reveal") goTo(nodes[0]);
    }

    function stop() {
      stopped = true;
      clearTimeout(timer);
      all(".badge--live").forEach(function (b) {
        b.textContent = text("ended");
        b.classList.replace("badge--live", "badge--ended");
      });
    }

    button.addEventListener("click", function () { flush("reveal"); });
    window.addEventListener("scroll", throttle(function () { if (pending.length && atTop()) flush("top"); }),
                            { passive: true });
    doc.addEventListener("visibilitychange", function () {
      if (doc.hidden) clearTimeout(timer);
      else poll();
    });
    window.addEventListener("pageshow", function (e) { if (e.persisted) poll(); });
    schedule();
    return { flush: flush, poll: poll };
  }

  /* ---- embeds: a provider's post loads only when the reader asks ---------- */
  var EMBED_SRC = /^https:\/\/[a-z0-9.-]+\//;

  function showEmbed(card) {
    var src = card.getAttribute("data-embed-src");
    if (!src || !EMBED_SRC.test(src) || one("iframe", card)) return null;
    var frame = make("iframe", "embed__frame");
    frame.title = card.getAttribute("data-embed-title") || "";
    frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-popups " +
                       "allow-popups-to-escape-sandbox allow-presentation");
    frame.setAttribute("allow", "encrypted-media; picture-in-picture; fullscreen");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    frame.src = src;
    card.insertBefore(frame, card.firstChild);
    card.classList.add("embed--shown");
    var button = one(".embed__show", card);
    if (button) button.hidden = true;
    return frame;
  }

  function embeds(scope) {
    all(".embed[data-embed-src]", scope).forEach(function (card) {
      var button = one(".embed__show", card);
      if (card.getAttribute("data-embed") === "load") showEmbed(card);
      else if (button && !card.classList.contains("embed--shown")) button.hidden = false;
    });
  }

  doc.addEventListener("click", function (e) {
    var button = e.target && e.target.closest ? e.target.closest(".embed__show") : null;
    var card = button && button.closest(".embed");
    var frame = card && showEmbed(card);
    if (frame) frame.focus({ preventScroll: true });  // (it is where the button was)
  });

  /* ---- start ------------------------------------------------------------- */
  function start() {
    doc.documentElement.classList.add("sg-js");
    embeds(doc);
    relativeTimes(doc);
    if (one("time.entry__time")) setInterval(function () { relativeTimes(doc); }, 60000);
    comments();
    folds();
    if (!stream || !list) return;
    if (stream.getAttribute("data-live-url")) {
      live = Live(stream.getAttribute("data-live-url"), stream.getAttribute("data-live-poll"));
    }
    lastVisit();
    outward(doc);
    embedHeight();
    if (!embed) {
      toolbar();
      jumpControl();
    }
    resolveAnchor();
    window.addEventListener("hashchange", resolveAnchor);
  }

  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start);
  else start();
})();
