// Vaidya doctor UI: the only script. Everything works without it; it adds two things:
// a "connection lost" notice, and a live slot preview on the availability form.
"use strict";
(function () {
  const notice = document.getElementById("offline");
  function setOffline(offline) {
    if (notice) notice.hidden = !offline;
  }
  addEventListener("offline", () => setOffline(true));
  addEventListener("online", () => setOffline(false));
  if (!navigator.onLine) setOffline(true);

  // A form post that cannot reach the server would leave a browser error page; say so instead.
  document.addEventListener("submit", (event) => {
    if (!navigator.onLine) {
      event.preventDefault();
      setOffline(true);
    }
  });

  const form = document.getElementById("availability");
  const preview = document.getElementById("preview");
  if (!form || !preview) return;
  let timer = 0;
  let latest = 0;
  async function refresh() {
    const ticket = ++latest;
    const body = new URLSearchParams(new FormData(form));
    try {
      const res = await fetch(preview.dataset.previewUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      if (!res.ok) throw new Error("preview failed: " + res.status);
      const html = await res.text();
      if (ticket !== latest) return;
      // The fragment is rendered and escaped by the server (hono/jsx), same origin.
      preview.innerHTML = html;
      setOffline(false);
    } catch (_err) {
      setOffline(true);
    }
  }
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
  form.addEventListener("change", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 100);
  });
})();
