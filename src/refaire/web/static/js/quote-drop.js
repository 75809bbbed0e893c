// Progressive enhancement: drop a file on the zone to fill the file input.
(function () {
  var zone = document.querySelector("[data-dropzone]");
  var input = document.getElementById("q-file");
  if (!zone || !input || !window.DataTransfer) return;
  zone.classList.add("live");
  zone.querySelector(".drop-hint").hidden = false;
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      input.dispatchEvent(new Event("change"));
    }
  });
})();
