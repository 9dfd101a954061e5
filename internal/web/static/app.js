// Progressive enhancement only: every page works without this file.
// Copy buttons: <button data-copy="input-id" hidden> copies that input's value.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-copy]").forEach(function (btn) {
    var input = document.getElementById(btn.getAttribute("data-copy"));
    if (!input || !navigator.clipboard) return;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        btn.textContent = "Copied";
      }, function () {
        input.select();
      });
    });
  });
});
