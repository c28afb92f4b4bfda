// Live update of the alerts inbox: polls the unread count and, when it grows, shows the
// notice that new alerts are in (a link reloads the page). Without it the page still works.
// How often: RCSC_ALERTS_POLL_SECONDS, given by the page as data-poll-ms.
(function () {
  "use strict";
  var notice = document.getElementById("alerts-live");
  if (!notice) { return; }
  var shown = parseInt(notice.getAttribute("data-unread"), 10) || 0;
  function poll() {
    fetch("/alerts/unread.json", {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && body.unread > shown) { notice.hidden = false; }
        var badge = document.getElementById("alerts-unread");
        if (body && badge) { badge.textContent = String(body.unread); }
      })
      .catch(function () { /* the next poll tries again */ });
  }
  var every = parseInt(notice.getAttribute("data-poll-ms"), 10) || 10000;
  setInterval(poll, every);
})();
