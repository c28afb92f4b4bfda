// Live update of the exercise inbox and console: every 5 s the server-rendered list is
// fetched again and swapped in, unless the reader is typing in it. Without JavaScript the
// pages work the same; reloading shows what is new.
(function () {
  "use strict";
  const box = document.querySelector("[data-refresh]");
  if (!box) { return; }
  async function refresh() {
    const active = document.activeElement;
    const typing = box.contains(active) && (active.tagName === "TEXTAREA" || active.tagName === "INPUT");
    const drafted = Array.from(box.querySelectorAll("textarea, input[name=incident_id]")).some((f) => f.value);
    if (typing || drafted) { return; }
    try {
      const response = await fetch(box.dataset.refresh, { credentials: "same-origin" });
      if (response.ok) { box.innerHTML = await response.text(); }
    } catch (error) { /* offline for a moment: the next round tries again */ }
  }
  setInterval(refresh, 5000);
}());
