/* The proposal form never loses typed work (progressive enhancement: without this file the
 * form still saves, uploads and asks for confirmation through the server).
 *
 * - autosave: a few seconds after typing stops, and when the page is hidden, the whole form
 *   (without the chosen file) is posted to the form's data-autosave URL, which keeps every
 *   readable input as the draft and answers in JSON;
 * - leaving the page with changes not yet saved asks first (beforeunload);
 * - 提交申报 asks for confirmation here, so the server's confirmation page is skipped;
 * - after a refused save the error summary takes the focus, each line linking to its input.
 */
(function () {
  "use strict";

  var form = document.getElementById("proposal-form");
  if (!form) { return; }
  var url = form.getAttribute("data-autosave");
  var status = document.getElementById("autosave-status");
  var IDLE_MS = 5000;
  var dirty = form.getAttribute("data-unsaved") === "1";
  var changes = 0, timer = null, inFlight = false, leaving = false;

  function say(text) { if (status) { status.textContent = text; } }

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (_m, key) {
      return values[key] === undefined ? "" : values[key];
    });
  }

  function fileChosen() {
    var input = form.querySelector('input[type="file"]');
    return Boolean(input && input.files && input.files.length);
  }

  /* The message for a chosen file over the size limit (the server would refuse the whole
   * post, typed fields included), or "" when the file may be sent. */
  function tooBig() {
    var input = form.querySelector("input[type=file][data-max-bytes]");
    if (!input || !input.files || !input.files.length) { return ""; }
    var limit = Number(input.getAttribute("data-max-bytes"));
    var file = input.files[0];
    return file.size > limit ? fill(input.getAttribute("data-too-big"), { name: file.name }) : "";
  }

  function showFileProblem() {
    var out = document.getElementById("file-feedback");
    var text = tooBig();
    if (out) { out.textContent = text; }
    return text;
  }

  function formData() {
    var data = new FormData(form);
    data.delete("file");
    return data;
  }

  function markDirty() {
    dirty = true;
    changes += 1;
    if (!url) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(save, idle());
  }

  /* Milliseconds of quiet before autosaving (data-autosave-idle may shorten it). */
  function idle() { return Number(form.dataset.autosaveIdle) || IDLE_MS; }

  function saved(answer, seen) {
    var problems = answer.problems || [];
    var template = problems.length ? form.dataset.savedPartly : form.dataset.saved;
    say(fill(template, { t: answer.at, n: problems.length }));
    if (changes === seen && !problems.length && !fileChosen()) { dirty = false; }
  }

  function save() {
    if (!url || !dirty || leaving) { return; }
    if (inFlight) { timer = window.setTimeout(save, idle()); return; }
    var seen = changes;
    inFlight = true;
    say(form.dataset.saving);
    window.fetch(url, { method: "POST", body: formData(), credentials: "same-origin",
                        headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.saved) { saved(answer, seen); }
        else { say(answer.message || form.dataset.saveFailed); }
      })
      .catch(function () { say(form.dataset.saveFailed); })
      .then(function () { inFlight = false; });
  }

  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);
  form.addEventListener("click", function (event) {
    if (event.target.closest("[data-add-row],[data-remove-row]")) { markDirty(); }
  });

  form.addEventListener("change", function (event) {
    if (event.target.type === "file") { showFileProblem(); }
  });

  form.addEventListener("submit", function (event) {
    if (showFileProblem()) { event.preventDefault(); return; }
    var button = event.submitter;
    var question = button && button.getAttribute("data-confirm-submit");
    if (question) {
      if (!window.confirm(question)) { event.preventDefault(); return; }
      var confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirmed";
      confirmed.value = "1";
      form.appendChild(confirmed);
    }
    leaving = true;
    window.clearTimeout(timer);
  });

  window.addEventListener("beforeunload", function (event) {
    if (!dirty || leaving) { return undefined; }
    event.preventDefault();
    event.returnValue = "";
    return "";
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty && url && !leaving && navigator.sendBeacon) {
      navigator.sendBeacon(url, formData());
    }
  });

  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}());
