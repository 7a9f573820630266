// Small helps for every page; each page works without them.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // After a failed submit, focus the error summary, so a screen reader reads it and a keyboard starts there.
    var summary = document.getElementById("errors");
    if (summary) { summary.focus(); }
    // The address the chosen channel needs is required; the other one is marked "(optional)".
    var radios = document.querySelectorAll("input[name=preferred_channel]");
    function channelChanged() {
      var chosen = document.querySelector("input[name=preferred_channel]:checked");
      if (!chosen) { return; }
      document.querySelectorAll("[data-needed-for]").forEach(function (el) {
        var needed = el.getAttribute("data-needed-for") === chosen.value;
        var input = el.querySelector("input");
        var opt = el.querySelector(".opt");
        if (input) { input.required = needed; }
        if (opt) { opt.hidden = needed; }
      });
    }
    radios.forEach(function (r) { r.addEventListener("change", channelChanged); });
  });
})();
