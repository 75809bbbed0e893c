/* "Use my location": fills a place field with the browser's coordinates.
   Progressive enhancement: the buttons stay hidden where the browser cannot locate,
   and the forms work without it (a town name or LAT,LON typed by hand). Loaded as a
   file, never inline (the pages' CSP forbids inline scripts); safe to load twice. */
(function () {
  "use strict";
  if (window.refaireLocate || !navigator.geolocation) return;
  window.refaireLocate = true;
  function wire(button) {
    var field = document.getElementById(button.getAttribute("data-locate"));
    if (!field) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      button.textContent = button.getAttribute("data-locating") || label;
      navigator.geolocation.getCurrentPosition(function (pos) {
        field.value = pos.coords.latitude.toFixed(5) + "," + pos.coords.longitude.toFixed(5);
        button.disabled = false;
        button.textContent = label;
        field.dispatchEvent(new Event("change", { bubbles: true }));
      }, function () {
        button.disabled = false;
        button.textContent = button.getAttribute("data-failed") || label;
      }, { maximumAge: 600000, timeout: 15000 });
    });
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-locate]"), wire);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
