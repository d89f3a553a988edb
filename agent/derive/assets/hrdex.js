/* hrdex.js - the one script of the hrdex site (written by hrdex).
 *
 * 1. Search: search.html filters search-index.js (a plain script assignment,
 *    so it works from file:// too) by the words in ?q= or #q=, then live as
 *    you type.  Every match needs all the words, in titles, summaries,
 *    countries, themes or refs; accents and case are ignored.
 * 2. Language: a document page offers its languages; the choice (kept in
 *    localStorage, or given as ?lang=ar) puts that language first in every
 *    multilingual field and in the heading.  Nothing is hidden: every
 *    language stays on the page.
 * No network requests, no inline script, DOM built with textContent only. */
(function () {
  "use strict";
  var KEY = "hrdex-lang";

  function norm(s) {
    return String(s).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function getPref() {
    try { return window.localStorage.getItem(KEY) || ""; } catch (e) { return ""; }
  }

  function setPref(v) {
    try { window.localStorage.setItem(KEY, v); } catch (e) { /* file:// may refuse */ }
  }

  function queryParam(name) {
    var m = new RegExp("[?&#]" + name + "=([^&#]*)").exec(window.location.search + window.location.hash);
    if (!m) return "";
    try { return decodeURIComponent(m[1].replace(/\+/g, " ")); } catch (e) { return m[1]; }
  }

  function pickTitle(titles, pref) {
    var i;
    for (i = 0; i < titles.length; i++) if (titles[i][0] === pref) return titles[i];
    for (i = 0; i < titles.length; i++) if (titles[i][0] === "en") return titles[i];
    return titles[0] || ["", "auto", ""];
  }

  function el(name, text, attrs) {
    var e = document.createElement(name), k;
    if (text !== undefined && text !== null) e.textContent = text;
    for (k in attrs || {}) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]);
    return e;
  }

  function setupSearch() {
    var input = document.getElementById("q"), list = document.getElementById("results");
    var status = document.getElementById("search-status"), data = window.HRDEX_INDEX, timer = null;
    if (!input || !list || !status) return;
    if (!data || !data.docs) { status.textContent = "The search index could not be loaded."; return; }
    var docs = data.docs.map(function (d) {
      var titles = d.t.map(function (t) { return t[2]; }).join(" \u0001 ");
      return { d: d, title: norm(titles), all: norm(titles + " " + d.x + " " + d.r + " " + d.p + " " + d.y) };
    });

    function run(q) {
      var words = norm(q).split(/\s+/).filter(function (w) { return w.length > 0; });
      var hits = [], pref = getPref(), shown, i;
      while (list.firstChild) list.removeChild(list.firstChild);
      if (words.length === 0) {
        status.textContent = data.docs.length + " documents. Type words to find them.";
        return;
      }
      docs.forEach(function (e) {
        var inTitle = 0;
        for (var j = 0; j < words.length; j++) {
          if (e.all.indexOf(words[j]) < 0) return;
          if (e.title.indexOf(words[j]) >= 0) inTitle++;
        }
        hits.push({ e: e, score: inTitle });
      });
      hits.sort(function (a, b) {
        if (a.score !== b.score) return b.score - a.score;
        return a.e.d.d < b.e.d.d ? 1 : a.e.d.d > b.e.d.d ? -1 : 0;
      });
      shown = hits.slice(0, 200);
      for (i = 0; i < shown.length; i++) {
        var d = shown[i].e.d, t = pickTitle(d.t, pref);
        var li = el("li"), meta = el("div", null, { "class": "meta" });
        li.appendChild(el("a", t[2], { href: d.u, lang: t[0], dir: t[1] }));
        meta.appendChild(document.createTextNode(d.y + " \u00b7 " + d.p + " \u00b7 "));
        meta.appendChild(el("time", d.d, { datetime: d.d }));
        li.appendChild(meta);
        list.appendChild(li);
      }
      status.textContent = (hits.length === 0 ? "No document matches" :
        hits.length === 1 ? "1 document matches" : hits.length + " documents match") +
        " \u201c" + q.trim() + "\u201d" + (hits.length > shown.length ? "; the first " + shown.length + " are shown." : ".");
    }

    input.value = queryParam("q");
    run(input.value);
    input.addEventListener("input", function () {
      if (timer) window.clearTimeout(timer);
      timer = window.setTimeout(function () { run(input.value); }, 120);
    });
    input.form && input.form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      run(input.value);
      try { window.history.replaceState(null, "", "?q=" + encodeURIComponent(input.value)); } catch (e) { /* file:// */ }
    });
  }

  function applyLanguage(pref) {
    var groups = document.querySelectorAll(".lm"), h1 = document.querySelector("h1[data-lm]"), i;
    /* Move the nodes, not only their painted order, so that screen readers
     * and keyboard users meet the preferred language first too. */
    for (i = 0; i < groups.length; i++) {
      var g = groups[i], entries = Array.prototype.slice.call(g.querySelectorAll(":scope > .lm-e"));
      entries.sort(function (a, b) {
        var pa = pref && a.getAttribute("data-lang") === pref ? 0 : 1;
        var pb = pref && b.getAttribute("data-lang") === pref ? 0 : 1;
        if (pa !== pb) return pa - pb;
        return (parseInt(a.getAttribute("data-order"), 10) || 0) - (parseInt(b.getAttribute("data-order"), 10) || 0);
      });
      entries.forEach(function (e) { g.appendChild(e); });
    }
    if (h1) {
      var titles = document.querySelectorAll(".lm[data-field='title'] > .lm-e"), src = null, k;
      for (k = 0; k < titles.length; k++) {
        var lang = titles[k].getAttribute("data-lang");
        if (lang === pref || (!src && lang === h1.getAttribute("data-lm"))) src = titles[k].querySelector(".lm-t");
      }
      if (src) {
        h1.textContent = src.textContent;
        h1.setAttribute("lang", src.getAttribute("lang") || "");
        h1.setAttribute("dir", src.getAttribute("dir") || "auto");
      }
    }
  }

  function setupLanguage() {
    var box = document.getElementById("lang-box"), pick = document.getElementById("lang-pick");
    if (!box || !pick) return;
    var pref = queryParam("lang") || getPref();
    box.hidden = false;
    pick.value = pref;
    if (pick.value !== pref) pick.value = "";
    applyLanguage(pick.value);
    pick.addEventListener("change", function () {
      setPref(pick.value);
      applyLanguage(pick.value);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupLanguage();
    setupSearch();
  });
})();
