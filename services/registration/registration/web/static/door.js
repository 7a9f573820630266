// The door page keeps itself up to date: arrivals and their colours, polled every 1.5 s.
// Without JavaScript the page still works; the volunteer uses the refresh link.
(function () {
  "use strict";
  var LABELS = {rood: ["rood", "red"], blauw: ["blauw", "blue"], groen: ["groen", "green"], geel: ["geel", "yellow"],
    oranje: ["oranje", "orange"], paars: ["paars", "purple"], roze: ["roze", "pink"], wit: ["wit", "white"],
    zwart: ["zwart", "black"], bruin: ["bruin", "brown"]};
  function render(list, arrivals) {
    var en = document.documentElement.lang === "en";
    var fragment = document.createDocumentFragment();
    arrivals.forEach(function (a) {
      var li = document.createElement("li");
      li.className = "arrival";
      li.setAttribute("data-person", a.person_id);
      var who = document.createElement("span");
      who.className = "who";
      var strong = document.createElement("strong");
      strong.textContent = a.name;
      who.appendChild(strong);
      if (a.code) {
        var code = document.createElement("code");
        code.textContent = a.code;
        who.appendChild(document.createTextNode(" "));
        who.appendChild(code);
      }
      li.appendChild(who);
      var swatch = document.createElement("span");
      if (a.colour) {
        swatch.className = "swatch c-" + a.colour;
        var label = LABELS[a.colour] ? LABELS[a.colour][en ? 1 : 0] : a.colour;
        swatch.textContent = label + " · " + list.dataset.table + " " + a.table;
      } else {
        swatch.className = "swatch pending";
        swatch.textContent = list.dataset.pending;
      }
      li.appendChild(swatch);
      var link = document.createElement("a");
      link.href = list.dataset.interestsBase.replace("PERSON", a.person_id);
      link.textContent = list.dataset.interests;
      li.appendChild(link);
      fragment.appendChild(li);
    });
    list.replaceChildren(fragment);
    var count = document.getElementById("count");
    if (count) { count.textContent = String(arrivals.length); }
  }
  function poll(list) {
    fetch(list.dataset.src, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body) { render(list, body.arrivals); } })
      .catch(function () {})
      .then(function () { setTimeout(function () { poll(list); }, 1500); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("arrivals");
    if (list && window.fetch) { setTimeout(function () { poll(list); }, 1500); }
  });
})();
