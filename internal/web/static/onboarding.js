// Progressive enhancement of the onboarding pages (vendor_onboarding.go, admin_review_queue.go).
// Every page works without this file: the scheme editor's "Add a range"
// and "Remove" buttons then go to the server, which shows the form again.
//
//  - forms with data-confirm ask before they submit;
//  - the scheme editor (fieldset.ob-scheme) hides the columns and fields
//    the chosen scheme does not use, and adds and removes range rows in
//    the page, renumbering them so their names stay ranges[0], ranges[1]...
(function () {
  "use strict";

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var msg = form.getAttribute && form.getAttribute("data-confirm");
    // Only the form's own submit: the editing buttons of a form never
    // carry data-confirm.
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
    }
  });

  // Which range columns and scheme-wide fields each kind uses.
  var uses = {
    per_unit: { cols: ["from", "to", "setup", "step", "tag"], only: "ob-only-per-unit" },
    package: { cols: ["from", "to", "setup", "step", "tag"], only: "ob-only-package" },
    tiered: { cols: ["from", "to", "unit", "flat", "setup", "step", "tag"], only: "" },
    volume: { cols: ["from", "to", "unit", "flat", "setup", "step", "tag"], only: "" },
    stairstep: { cols: ["from", "to", "flat", "setup", "step", "tag"], only: "" }
  };
  var allCols = ["from", "to", "unit", "flat", "setup", "step", "tag"];

  // keep reports whether the elements hold a value or an error, so they
  // stay visible whatever the kind.
  function keep(els) {
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.classList.contains("has-error") || el.querySelector(".has-error, [aria-invalid=true]")) return true;
      var inputs = el.querySelectorAll("input, select, textarea");
      for (var j = 0; j < inputs.length; j++) {
        if (inputs[j].value.trim() !== "") return true;
      }
    }
    return false;
  }

  function apply(editor) {
    var kindSelect = editor.querySelector('select[name="scheme.kind"]');
    if (!kindSelect) return;
    var use = uses[kindSelect.value];
    editor.setAttribute("data-kind", kindSelect.value);
    allCols.forEach(function (col) {
      var cells = editor.querySelectorAll(".ob-col-" + col);
      var unused = use && use.cols.indexOf(col) < 0 && !keep(editor.querySelectorAll("td.ob-col-" + col));
      cells.forEach(function (c) { c.classList.toggle("ob-unused", !!unused); });
    });
    ["ob-only-per-unit", "ob-only-package"].forEach(function (cls) {
      editor.querySelectorAll("." + cls).forEach(function (f) {
        f.classList.toggle("ob-unused", !!use && use.only !== cls && !keep([f]));
      });
    });
  }

  // renumber gives the rows of tbody the indexes 0, 1, 2... in their
  // names, ids, labels and buttons.
  function renumber(tbody) {
    Array.prototype.forEach.call(tbody.querySelectorAll("tr.ob-range"), function (row, i) {
      row.setAttribute("data-range", String(i));
      var n = row.querySelector(".ob-range-n");
      if (n) n.textContent = String(i + 1);
      row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
        ["name"].forEach(function (a) {
          if (el.hasAttribute(a)) el.setAttribute(a, el.getAttribute(a).replace(/ranges\[\d+\]/, "ranges[" + i + "]"));
        });
        ["id", "for", "aria-describedby"].forEach(function (a) {
          if (el.hasAttribute(a)) el.setAttribute(a, el.getAttribute(a).replace(/ranges-\d+-/g, "ranges-" + i + "-"));
        });
      });
      row.querySelectorAll("label").forEach(function (l) {
        l.textContent = l.textContent.replace(/^Range \d+/, "Range " + (i + 1));
      });
      var rm = row.querySelector("[data-remove-range]");
      if (rm) {
        rm.value = "remove_range:" + i;
        rm.setAttribute("aria-label", "Remove range " + (i + 1));
      }
    });
  }

  // blank clears a cloned row: no values, no errors.
  function blank(row) {
    row.classList.remove("ob-range-error");
    row.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.removeAttribute("aria-invalid");
      var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return !/-error$/.test(id); });
      if (ids.length) input.setAttribute("aria-describedby", ids.join(" ")); else input.removeAttribute("aria-describedby");
    });
    row.querySelectorAll(".field-error").forEach(function (p) { p.remove(); });
    row.querySelectorAll(".has-error").forEach(function (f) { f.classList.remove("has-error"); });
  }

  function setUp(editor) {
    editor.classList.add("js-kind");
    var kindSelect = editor.querySelector('select[name="scheme.kind"]');
    if (kindSelect) kindSelect.addEventListener("change", function () { apply(editor); });
    editor.addEventListener("input", function () { apply(editor); });
    var tbody = editor.querySelector("tbody[data-ranges]");
    var add = editor.querySelector("[data-add-range]");
    if (tbody && add) {
      var max = parseInt(add.getAttribute("data-max"), 10) || 20;
      add.addEventListener("click", function (ev) {
        var rows = tbody.querySelectorAll("tr.ob-range");
        if (rows.length === 0 || rows.length >= max) return; // the server adds it
        ev.preventDefault();
        var row = rows[rows.length - 1].cloneNode(true);
        blank(row);
        tbody.appendChild(row);
        renumber(tbody);
        apply(editor);
        var first = row.querySelector("input");
        if (first) first.focus();
        add.hidden = tbody.querySelectorAll("tr.ob-range").length >= max;
      });
      tbody.addEventListener("click", function (ev) {
        var rm = ev.target.closest("[data-remove-range]");
        if (!rm) return;
        var rows = tbody.querySelectorAll("tr.ob-range");
        if (rows.length <= 1) return; // the server shows the empty editor
        ev.preventDefault();
        var row = rm.closest("tr");
        var next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        renumber(tbody);
        apply(editor);
        add.hidden = false;
        var focus = next && next.querySelector("input");
        if (focus) focus.focus();
      });
    }
    apply(editor);
  }

  // Forms with data-kind-form (the coupon form) show the fields of the
  // kind chosen in their "kind" select: elements of class ob-for are
  // shown when they also have ob-for-<kind>, or hold a value or an error.
  function setUpKindForm(form) {
    var kind = form.querySelector('select[name="kind"]');
    if (!kind) return;
    var update = function () {
      form.querySelectorAll(".ob-for").forEach(function (el) {
        var inputs = el.querySelectorAll("input");
        var typed = false;
        inputs.forEach(function (i) { if (i.value.trim() !== "" && i.value !== i.defaultValue) typed = true; });
        var hide = !el.classList.contains("ob-for-" + kind.value) && !typed && !el.classList.contains("has-error");
        el.hidden = hide;
      });
    };
    kind.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("fieldset.ob-scheme").forEach(setUp);
    document.querySelectorAll("form[data-kind-form]").forEach(setUpKindForm);
  });
})();
