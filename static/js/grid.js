// The entry grid (scoring/grid.html): keyboard movement like a spreadsheet, each cell checked
// against its maximum as it is typed, group subtotals and unit totals kept live, one Save.
// Numbers are handled in hundredths (integers), never in floating point.
(function () {
  "use strict";
  var form = document.querySelector("form[data-grid]");
  if (!form) { return; }
  var table = form.querySelector(".grid-table");
  var editable = form.getAttribute("data-editable") === "1";
  var saveButton = form.querySelector("[data-save]");
  var statusBox = document.getElementById("grid-status");
  var changedBox = document.getElementById("grid-changed");
  var panel = document.getElementById("cell-history");
  var NUMBER = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)$/;
  var HUGE = 1e12; // hundredths beyond any maximum: compared, never shown

  // --- The shape of the grid: columns[c][r] is the input of unit c on leaf row r. ----------
  var leafRows = Array.prototype.slice.call(table.querySelectorAll("tbody tr.g-leaf"));
  var groupRows = Array.prototype.slice.call(table.querySelectorAll("tbody tr.g-group"));
  var unitHeads = Array.prototype.slice.call(table.querySelectorAll("thead th.g-unit"));
  var totalRow = table.querySelector("tfoot tr.g-total");
  var columns = [];
  leafRows.forEach(function (row, r) {
    row.querySelectorAll("input.g-in").forEach(function (input, c) {
      (columns[c] = columns[c] || [])[r] = input;
      input.setAttribute("data-c", c);
      input.setAttribute("data-r", r);
    });
  });
  var lastCell = null;

  function at(c, r) { return columns[c] && columns[c][r] ? columns[c][r] : null; }
  function place(input) { return [Number(input.getAttribute("data-c")), Number(input.getAttribute("data-r"))]; }

  // --- Numbers ------------------------------------------------------------------------------
  // {empty: true} | {error: "…"} | {cents: n}
  function parse(text) {
    var cleaned = text.replace(/[\s\u00a0]/g, "");
    if (!cleaned) { return { empty: true }; }
    if (!NUMBER.test(cleaned)) {
      return { error: "“" + text.trim().slice(0, 20) + "” không phải là số (ví dụ hợp lệ: 9,5)." };
    }
    cleaned = cleaned.replace(",", ".");
    var sign = 1;
    if (cleaned[0] === "-" || cleaned[0] === "+") {
      sign = cleaned[0] === "-" ? -1 : 1;
      cleaned = cleaned.slice(1);
    }
    var parts = cleaned.split(".");
    var whole = (parts[0] || "0").replace(/^0+(?=\d)/, "");
    var fraction = (parts[1] || "").replace(/0+$/, "");
    if (fraction.length > 2) { return { error: "chỉ lấy tối đa 2 chữ số sau dấu phẩy." }; }
    var cents = whole.length > 9 ? HUGE : parseInt(whole, 10) * 100 + parseInt((fraction + "00").slice(0, 2), 10);
    return { cents: sign * cents };
  }

  function format(cents) {
    var negative = cents < 0;
    var size = Math.abs(cents);
    var text = String(Math.floor(size / 100));
    var rest = size % 100;
    if (rest) { text += "," + (rest < 10 ? "0" + rest : String(rest)).replace(/0$/, ""); }
    return (negative ? "\u2212" : "") + text;
  }

  function maxOf(row) {
    var max = row.getAttribute("data-max");
    return max ? Math.round(parseFloat(max) * 100) : null;
  }

  // The rule a cell breaks, or "" (the same rules as the server: scoring.services.scorecards).
  function problemOf(input) {
    var row = leafRows[place(input)[1]];
    var code = row.getAttribute("data-code");
    var value = parse(input.value);
    if (value.empty) { return ""; }
    if (value.error) { return code + ": " + value.error; }
    if (row.getAttribute("data-kind") === "veto") {
      return value.cents === 0 || value.cents === 100 ? ""
        : code + ": tiêu chí phủ quyết chỉ nhận 0 (không vi phạm) hoặc 1 (có vi phạm).";
    }
    if (value.cents < 0) { return code + ": điểm không được âm (điểm trừ nhập số dương)."; }
    var max = maxOf(row);
    if (max !== null && value.cents > max) {
      return code + ": tối đa " + format(max) + " điểm" + (value.cents < HUGE ? ", đã nhập " + format(value.cents) : "") + ".";
    }
    return "";
  }

  function sameValue(a, b) {
    var x = parse(a), y = parse(b);
    if (x.empty || y.empty) { return Boolean(x.empty && y.empty); }
    if (x.error || y.error) { return a.trim() === b.trim(); }
    return x.cents === y.cents;
  }

  // --- Checking a cell as it is typed --------------------------------------------------------
  function check(input) {
    var cell = input.parentNode;
    var problem = problemOf(input);
    cell.classList.toggle("is-invalid", Boolean(problem));
    if (problem) {
      input.setAttribute("aria-invalid", "true");
      input.title = problem;
    } else {
      input.removeAttribute("aria-invalid");
      if (!cell.classList.contains("is-conflict")) { input.removeAttribute("title"); }
    }
    cell.classList.toggle("is-changed", !sameValue(input.value, input.getAttribute("data-loaded") || ""));
    return problem;
  }

  // --- Subtotals and totals of one unit's column ----------------------------------------------
  function recompute(c) {
    var sums = {}, counts = {}, vetoed = false, scored = 0;
    leafRows.forEach(function (row, r) {
      var input = at(c, r);
      if (!input) { return; }
      var value = parse(input.value);
      if (value.empty || value.error || input.parentNode.classList.contains("is-invalid")) { return; }
      scored += 1;
      var group = row.getAttribute("data-group");
      sums[group] = (sums[group] || 0) + value.cents;
      counts[group] = (counts[group] || 0) + 1;
      if (row.getAttribute("data-kind") === "veto" && value.cents === 100) { vetoed = true; }
    });
    var total = 0;
    groupRows.forEach(function (row) {
      var kind = row.getAttribute("data-kind");
      var cap = row.getAttribute("data-cap");
      var group = row.getAttribute("data-group");
      var sum = sums[group] || 0;
      if (cap) { sum = Math.min(sum, Math.round(parseFloat(cap) * 100)); }
      var cell = row.cells[2 + c];
      if (kind === "veto") {
        cell.innerHTML = vetoedIn(group, c) ? '<span class="g-veto-flag">phủ quyết</span>' : "";
        return;
      }
      cell.textContent = counts[group] ? format(sum) : "";
      total += kind === "penalty" ? -sum : sum;
    });
    if (totalRow) {
      var cell = totalRow.cells[2 + c];
      cell.querySelector(".g-tot-n").textContent = scored ? format(total) : "–";
      cell.querySelector(".g-veto-flag").classList.toggle("d-none", !vetoed);
    }
  }

  function vetoedIn(group, c) {
    return leafRows.some(function (row, r) {
      var input = at(c, r);
      return row.getAttribute("data-group") === group && input && parse(input.value).cents === 100;
    });
  }

  function countChanged() {
    var changed = form.querySelectorAll("td.is-changed").length;
    changedBox.textContent = changed ? changed + " ô đã sửa, chưa lưu" : "";
    return changed;
  }

  // --- Where the cursor is ------------------------------------------------------------------------
  function describe(input) {
    var spot = place(input);
    var row = leafRows[spot[1]];
    var parts = [
      unitHeads[spot[0]].textContent.trim(),
      row.querySelector(".g-crit").textContent.trim().replace(/\s+/g, " "),
    ];
    var max = maxOf(row);
    parts.push(row.getAttribute("data-kind") === "veto" ? "0 hoặc 1" : "tối đa " + format(max));
    var own = input.parentNode.querySelector(".g-self");
    if (own) { parts.push(own.textContent.trim()); }
    if (input.parentNode.classList.contains("is-conflict")) { parts.push(input.title); }
    return parts.join(" · ");
  }

  function showStatus(input) {
    var problem = input.parentNode.classList.contains("is-invalid") ? input.title : "";
    statusBox.textContent = problem || describe(input);
    statusBox.classList.toggle("is-error", Boolean(problem));
  }

  function highlight(input, on) {
    var spot = place(input);
    unitHeads[spot[0]].classList.toggle("is-current", on);
    leafRows[spot[1]].querySelector(".g-crit").classList.toggle("is-current", on);
  }

  function move(input, target) {
    if (!target) { return false; }
    target.focus();
    target.select();
    return true;
  }

  // Down the unit's column, then on to the top of the next unit's column.
  function next(input) {
    var spot = place(input);
    return at(spot[0], spot[1] + 1) || at(spot[0] + 1, 0);
  }
  function previous(input) {
    var spot = place(input);
    if (spot[1] > 0) { return at(spot[0], spot[1] - 1); }
    return spot[0] > 0 ? at(spot[0] - 1, columns[spot[0] - 1].length - 1) : null;
  }

  function caretAt(input, edge) {
    var start = input.selectionStart, end = input.selectionEnd, length = input.value.length;
    if (start === 0 && end === length) { return true; } // the whole value is selected
    return edge === "start" ? start === 0 && end === 0 : start === length && end === length;
  }

  function openHistory(input) {
    var link = input.parentNode.querySelector("a.g-hist");
    if (link) { link.click(); }
  }

  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("g-in")) { return; }
    var spot = place(input);
    var handled = false;
    switch (event.key) {
      case "Tab":
        handled = move(input, event.shiftKey ? previous(input) : next(input));
        break;
      case "Enter":
        event.preventDefault(); // Enter moves; only the Save button (or Ctrl+S) saves
        if (!move(input, event.shiftKey ? previous(input) : next(input)) && !event.shiftKey && saveButton) {
          saveButton.focus();
        }
        return;
      case "ArrowDown":
        handled = move(input, at(spot[0], spot[1] + 1)) || true;
        break;
      case "ArrowUp":
        handled = move(input, at(spot[0], spot[1] - 1)) || true;
        break;
      case "ArrowLeft":
        if (caretAt(input, "start")) { handled = move(input, at(spot[0] - 1, spot[1])) || true; }
        break;
      case "ArrowRight":
        if (caretAt(input, "end")) { handled = move(input, at(spot[0] + 1, spot[1])) || true; }
        break;
      case "Escape":
        var loaded = input.getAttribute("data-loaded") || "";
        if (input.value !== loaded) {
          input.value = loaded;
          check(input);
          recompute(spot[0]);
          countChanged();
          showStatus(input);
          input.select();
          handled = true;
        }
        break;
      default:
        if (event.altKey && (event.key === "l" || event.key === "L")) {
          openHistory(input);
          handled = true;
        }
    }
    if (handled) { event.preventDefault(); }
  });

  form.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList.contains("g-in")) { return; }
    if (input.parentNode.classList.contains("is-conflict")) { // reviewed: the user typed over it
      input.parentNode.classList.remove("is-conflict");
      input.removeAttribute("title");
    }
    check(input);
    recompute(place(input)[0]);
    countChanged();
    showStatus(input);
  });

  form.addEventListener("focusin", function (event) {
    var input = event.target;
    if (!input.classList.contains("g-in")) { return; }
    lastCell = input;
    highlight(input, true);
    showStatus(input);
    input.select(); // like a spreadsheet: typing into a cell you arrive at replaces its value
  });
  form.addEventListener("focusout", function (event) {
    if (event.target.classList.contains("g-in")) { highlight(event.target, false); }
  });

  // --- Saving ---------------------------------------------------------------------------------
  var submitting = false;
  form.addEventListener("submit", function (event) {
    var bad = form.querySelector("td.is-invalid input");
    var reason = form.querySelector("textarea[name=reason]");
    if (bad) {
      event.preventDefault();
      var count = form.querySelectorAll("td.is-invalid").length;
      bad.focus();
      bad.select();
      statusBox.textContent = "Còn " + count + " ô chưa đúng (tô đỏ): sửa rồi lưu lại. " + bad.title;
      statusBox.classList.add("is-error");
      return;
    }
    if (reason && !reason.value.trim() && countChanged()) {
      event.preventDefault();
      reason.focus();
      statusBox.textContent = "Đợt chấm đã công bố: ghi lý do đính chính trước khi lưu.";
      statusBox.classList.add("is-error");
      return;
    }
    submitting = true;
    if (saveButton) {
      saveButton.disabled = true;
      saveButton.textContent = "Đang lưu…";
    }
  });

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      if (editable && saveButton && !saveButton.disabled) {
        if (form.requestSubmit) { form.requestSubmit(saveButton); } else { saveButton.click(); }
      }
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (!submitting && editable && countChanged()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // --- A cell's history in the side panel (the link opens a page without scripts) --------------
  form.addEventListener("click", function (event) {
    var link = event.target.closest("a.g-hist");
    if (!link || !panel || !window.htmx || !window.bootstrap) { return; }
    event.preventDefault();
    lastCell = link.parentNode.parentNode.querySelector("input.g-in") || lastCell;
    document.getElementById("cell-history-body").innerHTML = '<p class="text-secondary">Đang tải…</p>';
    window.htmx.ajax("GET", link.getAttribute("href"), { target: "#cell-history-body", swap: "innerHTML" });
    window.bootstrap.Offcanvas.getOrCreateInstance(panel).show();
  });
  if (panel) {
    panel.addEventListener("hidden.bs.offcanvas", function () {
      if (lastCell) { lastCell.focus(); }
    });
  }

  // --- The grid fills the window down to the Save bar; the page itself hardly scrolls. -------
  var scroller = form.querySelector(".grid-scroll");
  var bar = form.querySelector(".grid-bar");
  function fit() {
    var top = scroller.getBoundingClientRect().top + window.scrollY;
    var room = window.innerHeight - top - (bar ? bar.offsetHeight : 0) - 16;
    scroller.style.maxHeight = Math.max(room, 320) + "px";
  }
  fit();
  window.addEventListener("resize", fit);

  // The error list above the grid links to the cells: following a link puts the cursor there.
  document.querySelectorAll(".grid-error-list a[href^='#c-']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      target.focus();
      target.select();
    });
  });

  // --- On load: the state of every cell, every column's totals; the first problem in view -------
  columns.forEach(function (column) {
    column.forEach(function (input) {
      if (!input.parentNode.classList.contains("is-invalid")) { check(input); }
      else { input.parentNode.classList.toggle("is-changed", !sameValue(input.value, input.getAttribute("data-loaded") || "")); }
    });
  });
  columns.forEach(function (column, c) { recompute(c); });
  countChanged();
  var first = form.querySelector("td.is-invalid input, td.is-conflict input");
  if (first) {
    first.focus();
    first.select();
  }
})();
