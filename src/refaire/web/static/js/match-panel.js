// The "Where can I make this?" panel: picking a city fills the coordinates,
// so what is sent is what is shown.
(function () {
  var s = document.getElementById("mp-preset"), n = document.getElementById("mp-near");
  if (s && n) s.addEventListener("change", function () { if (s.value) n.value = s.value; });
})();
