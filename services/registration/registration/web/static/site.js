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
    // A search box over a long list of choices (data-filter-for="<fieldset id>"): shows the ones whose label
    // holds what is typed, ignoring case and accents. Without script every choice shows.
    function plain(text) { return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
    document.querySelectorAll("input[data-filter-for]").forEach(function (box) {
      var list = document.getElementById(box.getAttribute("data-filter-for"));
      if (!list) { return; }
      box.addEventListener("input", function () {
        var wanted = plain(box.value.trim());
        list.querySelectorAll(".choice").forEach(function (choice) {
          var checked = choice.querySelector("input:checked");
          choice.hidden = !!wanted && !checked && plain(choice.textContent).indexOf(wanted) < 0;
        });
      });
    });
    // Enter (a phone keyboard's "Go") in a field submits the form it is in, as a reader expects. Without
    // this the browser takes the header's language switch, the form's first button in the page, for the
    // form's default button; the form's own is its last submit button that validates (not "add a role").
    var TYPED = { text: true, email: true, tel: true, number: true, date: true, search: true };
    document.querySelectorAll("button[form][name=" + "switch_lang" + "]").forEach(function (swtch) {
      var form = document.getElementById(swtch.getAttribute("form"));
      if (!form || !form.requestSubmit) { return; }
      var own = form.querySelectorAll("button[type=submit]:not([formnovalidate])");
      if (!own.length) { return; }
      form.addEventListener("keydown", function (event) {
        var field = event.target;
        if (event.key !== "Enter" || field.tagName !== "INPUT" || !TYPED[field.type]) { return; }
        event.preventDefault();
        form.requestSubmit(own[own.length - 1]);
      });
    });
  });
})();
