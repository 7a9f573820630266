// The door page for a queue: search as you type (GET /api/v1/meetings/<id>/registrations?q=), check in and
// undo without reloading, and the arrivals with their colours pushed to every door screen at once: a long
// poll on aankomsten.json?since=<version> answers as soon as something changed at the door.
// Without JavaScript the page still works: its forms post and the volunteer uses the refresh link.
(function () {
  "use strict";
  var door, text, labels, list, results, message, flashBox;
  var version = 0, searchSeq = 0, searchTimer = null;

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }
  function srSpan(words) { var s = el("span", "sr", " " + words); return s; }
  function flash(words) {
    flashBox.replaceChildren(el("p", null, words));
    flashBox.hidden = false;
  }
  function post(url, fields) {
    var body = new URLSearchParams(fields);
    body.set("csrf_token", door.dataset.csrf);
    body.set("lang", document.documentElement.lang);
    return fetch(url, {method: "POST", body: body, credentials: "same-origin",
                       headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); });
  }

  // --- the arrivals, kept up to date ----------------------------------------------------------------------
  function swatch(a) {
    var s = el("span");
    if (a.colour) {
      s.className = "swatch c-" + a.colour;
      s.setAttribute("data-colour", a.colour);
      s.textContent = (labels[a.colour] || a.colour) + " · " + text.table + " " + a.table;
    } else {
      s.className = "swatch pending";
      s.textContent = text.pending;
    }
    return s;
  }
  function arrivalRow(a) {
    var li = el("li", "arrival");
    li.setAttribute("data-person", a.person_id);
    var who = el("span", "who");
    who.appendChild(el("strong", null, a.name));
    if (a.code) { who.appendChild(document.createTextNode(" ")); who.appendChild(el("code", null, a.code)); }
    li.appendChild(who);
    li.appendChild(swatch(a));
    var actions = el("span", "actions");
    var link = el("a", "button secondary interests-link", text.interests);
    link.href = list.dataset.interestsBase.replace("PERSON", encodeURIComponent(a.person_id));
    link.appendChild(srSpan(a.name));
    actions.appendChild(link);
    var form = el("form", "inline undo-form");
    form.method = "post";
    form.action = door.dataset.undoBase.replace("PERSON", encodeURIComponent(a.person_id));
    var button = el("button", "secondary undo", text.undo);
    button.type = "submit";
    button.appendChild(srSpan(a.name));
    form.appendChild(button);
    actions.appendChild(form);
    li.appendChild(actions);
    return li;
  }
  function signature(a) { return (a.colour || "") + "|" + (a.table || "") + "|" + a.name; }
  function render(arrivals) {
    // Rows that did not change stay as they are (a half-confirmed undo keeps its state).
    var old = {};
    list.querySelectorAll("li.arrival").forEach(function (li) { old[li.getAttribute("data-person")] = li; });
    var fragment = document.createDocumentFragment();
    arrivals.forEach(function (a) {
      var li = old[a.person_id];
      if (!li || li.getAttribute("data-sig") !== signature(a)) {
        li = arrivalRow(a);
        li.setAttribute("data-sig", signature(a));
      }
      fragment.appendChild(li);
    });
    list.replaceChildren(fragment);
    var count = document.getElementById("count");
    if (count) { count.textContent = String(arrivals.length); }
    markCheckedIn(arrivals);
  }
  function markCheckedIn(arrivals) {
    var here = {};
    arrivals.forEach(function (a) { here[a.person_id] = true; });
    results.querySelectorAll("li.result[data-person]").forEach(function (li) {
      var isHere = !!here[li.getAttribute("data-person")];
      if (isHere !== li.classList.contains("here")) { li.replaceWith(resultRow(li._registration, isHere)); }
    });
  }
  // A colour or an undo comes alone; false when the screen needs the whole list (a row it does not show).
  function apply(changes) {
    return changes.every(function (c) {
      var li = list.querySelector('li.arrival[data-person="' + c.person_id + '"]');
      if (c.kind === "undo") {
        if (li) { li.remove(); }
        return true;
      }
      if (!li) { return false; }
      var a = {person_id: c.person_id, colour: c.colour, table: c.table,
               name: li.querySelector("strong").textContent};
      li.querySelector(".swatch").replaceWith(swatch(a));
      li.setAttribute("data-sig", signature(a));
      return true;
    });
  }
  function listen() {
    var url = door.dataset.arrivals + (version === null ? "" : "?since=" + version + "&wait=10");
    fetch(url, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) {
        version = body.version;
        if (body.arrivals) {
          render(body.arrivals);
        } else if (!apply(body.changes)) {
          version = null;  // a change to a row not shown here: the whole list next
        } else {
          var arrivals = Array.prototype.map.call(list.querySelectorAll("li.arrival"),
                                                  function (x) { return {person_id: x.getAttribute("data-person")}; });
          document.getElementById("count").textContent = String(arrivals.length);
          markCheckedIn(arrivals);
        }
        setTimeout(listen, body.retry_ms || 0);
      })
      .catch(function () { setTimeout(listen, 2000); });
  }

  // --- search and check-in --------------------------------------------------------------------------------
  var checkedIn = {};
  function resultRow(r, here) {
    var li = el("li", "result" + (here ? " here" : ""));
    li._registration = r;
    li.setAttribute("data-registration", r.registration_id);
    li.setAttribute("data-person", r.person_id);
    var who = el("span", "who");
    who.appendChild(el("strong", null, r.name));
    who.appendChild(document.createTextNode(" "));
    who.appendChild(el("code", null, r.code));
    if (r.status === "waitlisted") { who.appendChild(document.createTextNode(" (" + text.waitlisted + ")")); }
    li.appendChild(who);
    if (here) {
      li.appendChild(el("span", "done", text.checked_in));
    } else {
      var button = el("button", "checkin", text.check_in);
      button.type = "button";
      button.appendChild(srSpan(r.name));
      button.addEventListener("click", function () { checkIn(r, button); });
      li.appendChild(button);
    }
    return li;
  }
  function showResults(body, query) {
    var here = {};
    list.querySelectorAll("li.arrival").forEach(function (li) { here[li.getAttribute("data-person")] = true; });
    var fragment = document.createDocumentFragment();
    body.registrations.forEach(function (r) {
      fragment.appendChild(resultRow(r, r.checked_in || here[r.person_id] || checkedIn[r.person_id]));
    });
    results.replaceChildren(fragment);
    message.replaceChildren();
    if (!body.registrations.length && query) {
      var byName = (body.searched_by || []).indexOf("name") >= 0;
      var p = el("p", null, byName ? text.no_name : text.no_code);
      if (!byName) {
        var a = el("a", "button secondary", text.to_walk_in);
        a.href = "#walkin";
        a.addEventListener("click", function () { setTimeout(function () { document.getElementById("name").focus(); }, 0); });
        p.appendChild(document.createTextNode(" "));
        p.appendChild(a);
      }
      message.appendChild(p);
    }
  }
  function search(query) {
    var seq = ++searchSeq;
    query = query.trim();
    if (!query) { results.replaceChildren(); message.replaceChildren(); return; }
    fetch(door.dataset.searchApi + "?q=" + encodeURIComponent(query), {credentials: "same-origin", cache: "no-store",
                                                                       headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) { if (seq === searchSeq) { showResults(body, query); } })
      .catch(function () {});
  }
  function checkIn(r, button) {
    button.disabled = true;
    post(door.dataset.checkin, {registration_id: r.registration_id}).then(function (answer) {
      flash(answer.body.message);
      if (answer.ok) {
        var person = answer.body.person_id;
        checkedIn[person] = true;
        r.person_id = person;
        var li = button.closest("li");
        if (li) { li.replaceWith(resultRow(r, true)); }
        if (!list.querySelector('li.arrival[data-person="' + person + '"]')) {
          list.insertBefore(arrivalRow({person_id: person, name: answer.body.name, code: answer.body.code}),
                            list.firstChild);
        }
        var q = document.getElementById("q");
        q.value = "";
        q.focus();  // the next in the queue
      } else {
        button.disabled = false;
      }
    }).catch(function () { button.disabled = false; });
  }

  // --- undo: a second tap confirms ------------------------------------------------------------------------
  function onUndo(event) {
    var form = event.target.closest("form.undo-form");
    if (!form) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    if (!button.classList.contains("confirming")) {
      button.classList.add("confirming");
      button.firstChild.textContent = text.undo_confirm;
      setTimeout(function () {
        if (button.isConnected && button.classList.contains("confirming")) {
          button.classList.remove("confirming");
          button.firstChild.textContent = text.undo;
        }
      }, 5000);
      return;
    }
    button.disabled = true;
    post(form.action, {}).then(function (answer) {
      flash(answer.body.message);
      var li = form.closest("li");
      if (answer.ok && li) { delete checkedIn[li.getAttribute("data-person")]; li.remove(); }
      var count = document.getElementById("count");
      if (count) { count.textContent = String(list.querySelectorAll("li.arrival").length); }
      markCheckedIn(Array.prototype.map.call(list.querySelectorAll("li.arrival"),
                                             function (x) { return {person_id: x.getAttribute("data-person")}; }));
    }).catch(function () { button.disabled = false; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    door = document.getElementById("door");
    if (!door || !window.fetch) { return; }
    text = JSON.parse(door.dataset.text);
    labels = JSON.parse(door.dataset.labels);
    list = document.getElementById("arrivals");
    results = document.getElementById("results");
    message = document.getElementById("search-message");
    flashBox = document.getElementById("flash");
    version = parseInt(door.dataset.version, 10) || 0;
    var q = document.getElementById("q");
    document.getElementById("search-form").addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(searchTimer);
      search(q.value);
    });
    q.addEventListener("input", function () {
      clearTimeout(searchTimer);
      var value = q.value;
      searchTimer = setTimeout(function () { if (value.trim().length >= 2 || !value.trim()) { search(value); } }, 150);
    });
    // Results the server rendered (a search without JavaScript before) check in the same way.
    results.querySelectorAll("form.checkin-form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var li = form.closest("li");
        var r = {registration_id: form.querySelector("[name=registration_id]").value,
                 name: li.querySelector("strong").textContent, code: (li.querySelector("code") || {}).textContent};
        checkIn(r, form.querySelector("button"));
      });
    });
    list.addEventListener("submit", onUndo);
    listen();
  });
})();
