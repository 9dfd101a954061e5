// Checkout, progressively enhanced: every change of the order's options is
// priced by GET /checkout/quote (the same code path as the order) and the
// answer's slots (summary, coupon feedback, field errors, the order form)
// replace the page's. Without this file, "Update price" reloads the page.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // A slot's input is invalid when the slot says so, or when an error slot
  // has text.
  function markInput(slot) {
    var id = slot.getAttribute("data-store-for");
    var input = id && document.getElementById(id);
    if (!input) return;
    var bad = slot.hasAttribute("data-store-invalid")
      ? slot.getAttribute("data-store-invalid") === "true"
      : slot.textContent.trim() !== "";
    if (bad) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    var field = input.closest(".field");
    if (field) field.classList.toggle("has-error", bad);
  }

  ready(function () {
    // An order is placed once: the button stays disabled after the click.
    document.addEventListener("submit", function (ev) {
      var form = ev.target;
      if (!form.matches || !form.matches("[data-store-order]")) return;
      var btn = form.querySelector("button[type=submit]");
      if (!btn) return;
      if (btn.getAttribute("data-store-sent")) { ev.preventDefault(); return; }
      btn.setAttribute("data-store-sent", "1");
      setTimeout(function () { btn.disabled = true; btn.textContent = "Placing your order…"; }, 0);
    });

    var form = document.getElementById("store-config");
    if (!form || !window.fetch || !window.URLSearchParams || !window.FormData || !("content" in document.createElement("template"))) return;
    var endpoint = form.getAttribute("data-store-quote");
    var live = document.getElementById("store-live");
    var timer = null;
    var seq = 0;
    var quoted = null; // the query the page's summary prices

    form.querySelectorAll("[data-store-update]").forEach(function (b) { b.hidden = true; });

    function query() {
      return new URLSearchParams(new FormData(form)).toString();
    }

    // While a new price is on its way the order button waits: it would
    // order the previous options.
    function pending(on) {
      var summary = document.querySelector('[data-store-slot="summary"]');
      if (summary) summary.classList.toggle("is-updating", on);
      var order = document.querySelector('[data-store-slot="order"] button');
      if (order && !order.getAttribute("data-store-sent")) order.disabled = on;
    }

    function swap(html) {
      var tpl = document.createElement("template");
      tpl.innerHTML = html;
      tpl.content.querySelectorAll("[data-store-slot]").forEach(function (fresh) {
        var name = fresh.getAttribute("data-store-slot");
        var old = document.querySelector('[data-store-slot="' + CSS.escape(name) + '"]');
        if (!old) return;
        old.replaceWith(fresh);
        markInput(fresh);
      });
      // One status message says what changed: a refusal, or the coupon's
      // effect and the new total.
      if (live) {
        var text = function (sel) {
          var el = document.querySelector(sel);
          if (!el) return "";
          var parts = el.children.length && el.tagName === "TR" ? Array.prototype.map.call(el.children, function (c) { return c.textContent; }) : [el.textContent];
          var t = parts.join(" ").replace(/[✓]/g, "").replace(/\s+/g, " ").trim();
          return t && !/[.!?]$/.test(t) ? t + "." : t;
        };
        live.textContent = [text('[data-store-slot="message"]'), text('[data-store-slot="coupon"]'),
          text('[data-store-slot="summary"] .store-total')].filter(Boolean).join(" ");
      }
    }

    quoted = query();

    function refresh() {
      clearTimeout(timer);
      var q = query();
      if (q === quoted) { pending(false); return; } // nothing changed (a blur after typing)
      var mine = ++seq;
      pending(true);
      fetch(endpoint + "?" + q, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (res) {
          if (!res.ok || res.redirected) throw new Error("quote " + res.status);
          return res.text();
        })
        .then(function (html) {
          if (mine !== seq) return; // a later change is on its way
          quoted = q;
          swap(html);
          if (window.history && history.replaceState) history.replaceState(null, "", form.getAttribute("action") + "?" + q);
        })
        .catch(function () {
          if (mine === seq) form.submit(); // let the server render the page
        });
    }

    function later() {
      clearTimeout(timer);
      if (query() === quoted) { pending(false); return; }
      pending(true);
      timer = setTimeout(refresh, 350);
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      quoted = null; // an explicit update always asks
      refresh();
    });
    form.addEventListener("change", function (ev) {
      // A new plan or kind of order changes the inputs themselves: reload.
      if (ev.target.hasAttribute("data-store-reload")) { form.submit(); return; }
      refresh();
    });
    form.addEventListener("input", function (ev) {
      if (ev.target.matches("input[type=number], input[type=text]")) later();
    });
  });
})();
