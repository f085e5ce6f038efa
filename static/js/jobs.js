// A job's page: poll its status and move the progress bar; when the job ends, reload the page
// to show its download link or its reason.
// Loaded as a file because the CSP forbids inline scripts; without it the page refreshes itself.
(function () {
  "use strict";

  var box = document.getElementById("job");
  if (!box) {
    return;
  }
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-text");
  var url = box.getAttribute("data-status-url");

  function show(status) {
    bar.value = status.percent;
    bar.textContent = status.percent + "%";
    if (status.state === "running" && status.total) {
      text.textContent = status.done + " / " + status.total + " (" + status.percent + "%)";
    }
    if (status.state === "finished" || status.state === "failed") {
      window.location.reload();
      return false;
    }
    return true;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (show(status)) {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  var state = box.getAttribute("data-state");
  if (state === "queued" || state === "running") {
    window.setTimeout(poll, 500);
  }
})();
