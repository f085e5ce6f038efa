/* Proposal form: add/remove rows in place, live budget subtotals and total, confirmations,
 * and "select all" on the screening queue.
 *
 * Money is integer fen throughout: "12.5" is split at the dot into 12 and "50", never read
 * as a float. The server recomputes every amount; what is shown here is only a preview. */
(function () {
  "use strict";

  var MAX_FEN = 1e15;

  /* Fold full-width digits and punctuation, drop ¥/￥, 元, spaces and thousands commas. */
  function normalise(text) {
    var t = String(text || "").replace(/[\uFF10-\uFF19]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    });
    t = t.replace(/\uFF0E|\u3002/g, ".").replace(/[\uFF0C,\s]/g, "").replace(/^[¥￥]/, "").replace(/元$/, "");
    return t;
  }

  /* "12.5" -> 1250; "" -> 0; anything unreadable -> null. */
  function parseFen(text) {
    var t = normalise(text);
    if (t === "") { return 0; }
    if (!/^\d+(\.\d{1,2})?$/.test(t)) { return null; }
    var parts = t.split(".");
    var fen = Number(parts[0]) * 100 + Number((parts[1] || "").padEnd(2, "0"));
    return fen < MAX_FEN ? fen : null;
  }

  /* "" -> 1 (a blank quantity counts as one); whole numbers 1..10000; else null. */
  function parseQuantity(text) {
    var t = normalise(text);
    if (t === "") { return 1; }
    if (!/^\d+$/.test(t)) { return null; }
    var n = Number(t);
    return n >= 1 && n <= 10000 ? n : null;
  }

  /* 123456 -> "¥1,234.56" (integer division only). */
  function formatFen(fen) {
    var whole = Math.floor(fen / 100), cents = fen % 100;
    var digits = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return "¥" + digits + "." + (cents < 10 ? "0" : "") + cents;
  }

  function rowFen(row) {
    var price = row.querySelector("[data-price]"), qty = row.querySelector("[data-qty]");
    if (!price || !qty) { return 0; }
    var p = parseFen(price.value), q = parseQuantity(qty.value);
    return p === null || q === null ? null : p * q;
  }

  function recompute(budget) {
    var total = 0, bad = false;
    budget.querySelectorAll("[data-row]").forEach(function (row) {
      var fen = rowFen(row), out = row.querySelector("[data-subtotal]");
      if (fen === null) { bad = true; }
      else { total += fen; }
      if (out) { out.textContent = fen === null ? "—" : formatFen(fen); }
    });
    showTotal(total, bad);
  }

  function showTotal(total, bad) {
    var out = document.getElementById("budget-total"), note = document.getElementById("budget-band");
    if (!out || !note) { return; }
    var min = Number(out.dataset.min), max = Number(out.dataset.max);
    out.textContent = formatFen(total);
    var message = bad ? note.dataset.bad : total < min ? note.dataset.low : total > max ? note.dataset.high : note.dataset.ok;
    var fine = !bad && total >= min && total <= max;
    note.textContent = message;
    note.classList.toggle("text-danger", !fine);
    note.classList.toggle("text-success", fine);
    out.classList.toggle("text-danger", !fine);
  }

  /* Give a cloned row the next free index: budget-3-item -> budget-4-item. */
  function renumber(row, section, index) {
    var pattern = new RegExp("^" + section + "-\\d+-");
    var prefix = section + "-" + index + "-";
    row.querySelectorAll("[name],[id],[for]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value && pattern.test(value)) { el.setAttribute(attr, value.replace(pattern, prefix)); }
      });
    });
  }

  function nextIndex(container, section) {
    var highest = -1, pattern = new RegExp("^" + section + "-(\\d+)-");
    container.querySelectorAll("[name]").forEach(function (el) {
      var m = pattern.exec(el.getAttribute("name"));
      if (m) { highest = Math.max(highest, Number(m[1])); }
    });
    return highest + 1;
  }

  function clearRow(row) {
    row.querySelectorAll("input").forEach(function (el) { el.value = ""; el.classList.remove("is-invalid"); });
    row.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; el.classList.remove("is-invalid"); });
    row.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
    row.querySelectorAll("[data-subtotal]").forEach(function (el) { el.textContent = "—"; });
  }

  function addRow(section) {
    var container = document.querySelector('[data-rows="' + section + '"]');
    var rows = container ? container.querySelectorAll("[data-row]") : [];
    if (!rows.length) { return false; }
    var limit = parseInt(container.getAttribute("data-max-rows"), 10);
    if (limit && rows.length >= limit) { return true; }
    var copy = rows[rows.length - 1].cloneNode(true);
    renumber(copy, section, nextIndex(container, section));
    clearRow(copy);
    container.appendChild(copy);
    var first = copy.querySelector("input,select");
    if (first) { first.focus(); }
    return true;
  }

  function removeRow(button) {
    var row = button.closest("[data-row]"), container = row && row.parentElement;
    if (!row || !container) { return; }
    if (container.querySelectorAll("[data-row]").length > 1) { row.remove(); }
    else { clearRow(row); }
    var budget = document.querySelector("[data-budget]");
    if (budget) { recompute(budget); }
  }

  document.querySelectorAll(".js-only").forEach(function (el) { el.classList.remove("d-none"); });

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add && addRow(add.getAttribute("data-add-row"))) { event.preventDefault(); return; }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) { event.preventDefault(); removeRow(remove); }
  });

  document.addEventListener("input", function (event) {
    var budget = event.target.closest("[data-budget]");
    if (budget) { recompute(budget); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  });

  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      var scope = document.getElementById(box.getAttribute("data-select-all"));
      if (!scope) { return; }
      scope.querySelectorAll('input[type="checkbox"][name="ids"]').forEach(function (el) { el.checked = box.checked; });
    });
  });

  var budget = document.querySelector("[data-budget]");
  if (budget) { recompute(budget); }
}());
