// Copy-link buttons: progressive enhancement; the link stays visible and
// selectable without JavaScript.
document.addEventListener("click", function (e) {
  var b = e.target.closest("[data-copy]");
  if (!b) return;
  var text = b.getAttribute("data-copy");
  var done = function () {
    b.textContent = "Link copied";
    b.setAttribute("aria-live", "polite");
    setTimeout(function () { b.textContent = "Copy link"; }, 2500);
  };
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(text).then(done, function () { window.prompt("Copy this link:", text); });
  } else {
    window.prompt("Copy this link:", text);
  }
});
