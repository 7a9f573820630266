// The initiatives' form: Enter (or a phone keyboard's "Go") in a field registers, as a reader expects. Without
// this the browser would take the header's language switch, the first button of the form in the page, for
// the form's default button. The form works without this script (Enter then only switches the language,
// keeping everything typed).
(function () {
  "use strict";
  var TYPED = { text: true, email: true, tel: true, number: true };
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("initiative-form");
    var register = document.getElementById("register");
    if (!form || !register || !form.requestSubmit) { return; }
    form.addEventListener("keydown", function (event) {
      var field = event.target;
      if (event.key !== "Enter" || field.tagName !== "INPUT" || !TYPED[field.type]) { return; }
      event.preventDefault();
      form.requestSubmit(register);
    });
  });
})();
