// Awards and notices: ask before irreversible steps; show the amount box only when a ruling
// changes the amount. Loaded as a file because the CSP forbids inline scripts.
(function () {
  "use strict";

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });

  document.querySelectorAll("form.decide-form").forEach(function (form) {
    var select = form.querySelector("select[name=decision]");
    var box = form.querySelector(".decide-amount");
    if (!select || !box) {
      return;
    }
    var sync = function () {
      box.classList.toggle("d-none", select.value !== "amount");
    };
    select.addEventListener("change", sync);
    sync();
  });

  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-counter"));
    var max = parseInt(area.getAttribute("maxlength"), 10);
    if (!out || !max) {
      return;
    }
    var sync = function () {
      out.textContent = area.value.length + " / " + max;
    };
    area.addEventListener("input", sync);
    sync();
  });
})();
