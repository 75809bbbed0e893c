// Pictures of designs: a manifest image that fails to load gives way to the mesh
// thumbnail when there is one, else to the placeholder drawn by CSS behind it.
(function () {
  "use strict";
  function broken(img) {
    var next = img.getAttribute("data-fallback");
    if (next) {
      img.removeAttribute("data-fallback");
      img.classList.add("mesh");
      img.src = next;
    } else {
      img.remove();
    }
  }
  document.querySelectorAll(".pic img, figure.picture img").forEach(function (img) {
    if (img.complete && img.naturalWidth === 0 && img.getAttribute("src")) broken(img);
    else img.addEventListener("error", function () { broken(img); });
  });
})();
