/* 金点子 judging: live total on the score sheet, and a confirmation before a sheet is locked. */
(function () {
  "use strict";

  function readPoints(input) {
    var text = input.value.trim();
    if (text === "") { return { value: 0, valid: true, blank: true }; }
    var value = Number(text);
    var max = Number(input.dataset.max);
    var valid = isFinite(value) && value >= 0 && value <= max && Math.round(value * 2) === value * 2;
    return { value: value, valid: valid, blank: false };
  }

  function updateTotal(form, output) {
    var halves = 0;
    var anyInvalid = false;
    var anyValue = false;
    form.querySelectorAll("[data-points]").forEach(function (input) {
      var read = readPoints(input);
      input.classList.toggle("is-invalid", !read.valid);
      if (read.valid) { halves += Math.round(read.value * 2); }
      anyInvalid = anyInvalid || !read.valid;
      anyValue = anyValue || !read.blank;
    });
    output.textContent = anyValue ? (halves / 2).toFixed(1) : "—";
    output.classList.toggle("text-danger", anyInvalid);
  }

  function init() {
    var form = document.getElementById("sheet-form");
    var output = document.getElementById("sheet-total");
    if (form && output) {
      form.addEventListener("input", function () { updateTotal(form, output); });
      updateTotal(form, output);
    }
    document.querySelectorAll("[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.dataset.confirm)) { event.preventDefault(); }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
