// A field reached by Tab is shown clear of the sticky banners. The browser scrolls a
// focused field only when it is outside the window, and a field inside it but under
// the bottom (or top) banner stayed hidden there (walk 48, WCAG 2.4.11); scrolling it
// to the nearest edge honours the page's scroll-padding, which keeps the banners clear.
document.addEventListener("focusin", function (event) {
  var field = event.target;
  if (!(field instanceof HTMLElement) || !field.matches("input, textarea, select, button")) return;
  var box = field.getBoundingClientRect();
  var top = document.getElementById("banner-top");
  var bottom = document.getElementById("banner-bottom");
  var over = (top && box.top < top.getBoundingClientRect().bottom) ||
    (bottom && box.bottom > bottom.getBoundingClientRect().top);
  if (over) field.scrollIntoView({ block: "nearest" });
});
