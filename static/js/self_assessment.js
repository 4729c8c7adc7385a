// The self-assessment page: group subtotals and the total follow what is typed (DESIGN.md §5
// rule 1, the server recomputes on save), and unsaved changes are not lost by leaving the page,
// uploading a file or sending the card. Without this script the page works the same, only
// without the live totals.
(function () {
  "use strict";
  var form = document.querySelector("[data-sa-form]");
  if (!form) { return; }
  var NUMBER = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)$/;
  var dirty = false;

  function parse(text) {
    var cleaned = (text || "").replace(/\s/g, "");
    if (!cleaned) { return null; }
    if (!NUMBER.test(cleaned)) { return NaN; }
    return parseFloat(cleaned.replace(",", "."));
  }
  function format(value) {
    var text = (Math.round(value * 100) / 100).toFixed(2);
    text = text.replace(/0+$/, "").replace(/\.$/, "");
    return text.replace(".", ",");
  }
  function setText(selector, text) {
    document.querySelectorAll(selector).forEach(function (node) { node.textContent = text; });
  }

  function recompute() {
    var parts = { standard: 0, bonus: 0, penalty: 0 };
    var vetoed = false;
    var scored = 0;
    var group = null;
    var rows = form.querySelectorAll("tbody > tr");
    function close() {
      if (!group) { return; }
      var counted = group.cap !== null ? Math.min(group.sum, group.cap) : group.sum;
      if (group.kind in parts) { parts[group.kind] += counted; }
      var cell = group.row.querySelector("[data-sa-subtotal]");
      if (cell && group.kind !== "veto") {
        cell.textContent = format(counted) + (counted !== group.sum ? " (" + format(group.sum) + ")" : "");
      }
    }
    rows.forEach(function (row) {
      if (row.hasAttribute("data-sa-group")) {
        close();
        var cap = row.getAttribute("data-cap");
        group = { row: row, kind: row.getAttribute("data-kind"), cap: cap ? parseFloat(cap) : null, sum: 0 };
      } else if (row.hasAttribute("data-sa-leaf") && group) {
        var input = row.querySelector(".sa-in");
        var value = input ? parse(input.value) : null;
        if (value === null || isNaN(value)) { return; }
        scored += 1;
        group.sum += value;
        if (group.kind === "veto" && value >= 1) { vetoed = true; }
      }
    });
    close();
    var total = parts.standard + parts.bonus - parts.penalty;
    setText("[data-sa-total]", scored ? format(total) : "–");
    setText('[data-sa-part="standard"]', format(parts.standard));
    setText('[data-sa-part="bonus"]', (parts.bonus ? "+" : "") + format(parts.bonus));
    setText('[data-sa-part="penalty"]', (parts.penalty ? "\u2212" : "") + format(parts.penalty));
    document.querySelectorAll("[data-sa-veto]").forEach(function (node) { node.classList.toggle("d-none", !vetoed); });
  }

  function markDirty() {
    if (dirty) { return; }
    dirty = true;
    document.body.classList.add("sa-dirty");
    setText("[data-sa-status]", "Có thay đổi chưa lưu: bấm “Lưu nháp” trước khi đính kèm minh chứng hay gửi phiếu.");
    document.querySelectorAll("[data-sa-upload], [data-sa-send]").forEach(function (button) {
      button.disabled = true;
      button.classList.add("disabled");
      button.setAttribute("aria-disabled", "true");
      button.title = "Lưu nháp trước";
    });
  }

  // A note grows with its text (where CSS field-sizing is not supported).
  function fit(area) {
    area.style.height = "auto";
    area.style.height = Math.min(area.scrollHeight + 2, 160) + "px";
  }
  var fits = !(window.CSS && CSS.supports && CSS.supports("field-sizing", "content"));
  if (fits) { form.querySelectorAll(".note-input").forEach(fit); }

  form.addEventListener("input", function (event) {
    var target = event.target;
    if (target.form !== form) { return; } // an evidence file input lives in its own form
    markDirty();
    if (target.classList.contains("sa-in")) { recompute(); }
    if (fits && target.classList.contains("note-input")) { fit(target); }
  });

  // Evidence: a button opens the file chooser and the file is sent as soon as it is chosen.
  document.body.classList.add("sa-js");
  document.querySelectorAll("[data-sa-file]").forEach(function (input) {
    input.addEventListener("click", function (event) {
      if (dirty) { event.preventDefault(); }
    });
    input.addEventListener("change", function () {
      if (!input.files.length || dirty) { return; }
      var label = document.querySelector('label[for="' + input.id + '"]');
      if (label) { label.textContent = "Đang tải lên…"; label.classList.add("disabled"); }
      if (input.form.requestSubmit) { input.form.requestSubmit(); } else { input.form.submit(); }
    });
  });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  // Ctrl+S saves the draft, as on the secretariat's grid.
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      var save = form.querySelector("[data-sa-save]");
      if (save) { dirty = false; save.click(); }
    }
  });
  recompute();
})();
