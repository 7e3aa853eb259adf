// Copy-link buttons: progressive enhancement. The link stays visible and
// selectable without JavaScript; where the clipboard is refused, the link
// text is selected so Ctrl+C copies it.
document.addEventListener("click", function (e) {
  var b = e.target.closest("[data-copy]");
  if (!b) return;
  var text = b.getAttribute("data-copy");
  var say = function (msg) {
    b.textContent = msg;
    setTimeout(function () { b.textContent = "Copy link"; }, 2500);
  };
  var fallback = function () {
    var field = document.getElementById(b.getAttribute("aria-controls"));
    if (field) { field.focus(); field.select(); }
    say("Press Ctrl+C to copy");
  };
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(text).then(function () { say("Link copied"); }, fallback);
  } else {
    fallback();
  }
});
