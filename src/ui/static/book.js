// Vaidya booking pages: served after the doctor UI's app.js (which shows the "connection lost"
// notice). Everything works without scripts; this adds the patient's own time zone (remembered
// in a cookie) and one submission per tap (a second tap on a slow network would post twice).
"use strict";
(function () {
  // Only pages that show times need the zone (Intl's first use costs a slow phone a moment).
  const shown = document.querySelector("[data-zone]");
  const cookie = /(?:^|; )vaidya_tz=([^;]*)/.exec(document.cookie);
  if (shown && !cookie) {
    const reported = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const zone = reported === "Asia/Calcutta" ? "Asia/Kolkata" : reported;
    document.cookie = "vaidya_tz=" + encodeURIComponent(zone) +
      "; path=/book; max-age=31536000; samesite=lax";
    if (zone && shown.getAttribute("data-zone") !== zone) location.reload();
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || form.method.toLowerCase() !== "post") return;
    if (form.dataset.sent) event.preventDefault();
    else form.dataset.sent = "1";
  });
  // Back to a page from the history cache: its forms may be sent again.
  addEventListener("pageshow", () => {
    for (const form of document.querySelectorAll("form[data-sent]")) delete form.dataset.sent;
  });
})();
