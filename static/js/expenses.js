// Expense pages: say before sending when chosen receipt files are too big (each, or together
// more than one request carries), so the typed form is not lost to a refused upload; then ask
// before irreversible steps (awards.js). Loaded as a file because the CSP forbids inline scripts.
(function () {
  "use strict";

  document.querySelectorAll("input[type=file][data-max-each]").forEach(function (input) {
    var each = parseInt(input.getAttribute("data-max-each"), 10);
    var total = parseInt(input.getAttribute("data-max-total"), 10);
    var out = document.getElementById(input.getAttribute("data-feedback"));
    var problem = function () {
      var sum = 0;
      var big = [];
      Array.prototype.forEach.call(input.files || [], function (file) {
        sum += file.size;
        if (file.size > each) {
          big.push(file.name);
        }
      });
      if (big.length) {
        return input.getAttribute("data-msg-each").replace("%s", big.join("、"));
      }
      return sum > total ? input.getAttribute("data-msg-total") : "";
    };
    var show = function () {
      var text = problem();
      if (out) {
        out.textContent = text;
        out.classList.toggle("d-none", !text);
      }
      input.classList.toggle("is-invalid", !!text);
      return text;
    };
    input.addEventListener("change", show);
    if (input.form) {
      input.form.addEventListener("submit", function (event) {
        if (show()) {
          event.preventDefault();
        }
      });
    }
  });
})();
