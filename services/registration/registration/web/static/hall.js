// The hall screen moves on by itself: the countdown ticks every second and the round, the countdown's
// target and where each initiative goes next are fetched again every few seconds (no page reload).
(function () {
  var main = document.getElementById("main");
  if (!main || !main.dataset.source) return;
  var text = JSON.parse(document.getElementById("hall-text").textContent);
  var offset = 0; // server clock minus this screen's clock
  var nextAt = null;

  function clock(serverNow) { offset = Date.parse(serverNow) - Date.now(); }
  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content !== undefined) e.textContent = content;
    return e;
  }
  function tick() {
    var out = document.getElementById("hall-countdown");
    if (!out || !nextAt) return;
    var left = Math.max(0, Math.round((nextAt - (Date.now() + offset)) / 1000));
    out.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    if (left === 0) refresh();
  }
  function render(data) {
    clock(data.now);
    nextAt = data.next_at ? Date.parse(data.next_at) : null;
    var now = document.getElementById("hall-now");
    now.replaceChildren();
    var round;
    if (data.phase === "running") {
      round = text.round + " " + data.current.number + " " + text.of + " " + data.rounds + " · " +
        data.current.start + "–" + data.current.end;
    } else if (data.phase === "after") {
      round = text.after;
    } else {
      round = data.next_at ? text.starts : text.none;
    }
    var p = el("p", "hall-round", round); p.id = "hall-round"; now.appendChild(p);
    if (data.next_at) {
      var c = el("p", "hall-countdown");
      var label = data.phase === "running" ? (data.upcoming ? text.next : text.end) : text.starts;
      var l = el("span", "", label + " "); l.id = "hall-countdown-label"; c.appendChild(l);
      var s = el("strong", "", ""); s.id = "hall-countdown"; c.appendChild(s);
      c.appendChild(el("span", "hall-at", " (" + data.next_local + ")"));
      now.appendChild(c);
    }
    var list = el("ul", "moves");
    data.moves.forEach(function (m) {
      var li = el("li", "move"); li.dataset.initiative = m.initiative_id;
      li.appendChild(el("span", "move-name", m.initiative));
      if (m.table) li.appendChild(el("span", "move-from", text.table + " " + m.table));
      var arrow = el("span", "move-arrow", "→"); arrow.setAttribute("aria-hidden", "true"); li.appendChild(arrow);
      var to = el("span", "move-to");
      if (m.next_table) {
        li.appendChild(el("span", "sr", text.goes_to));
        var dot = el("span", "swatch-dot c-" + m.next_colour); dot.setAttribute("aria-hidden", "true");
        to.appendChild(dot);
        to.appendChild(document.createTextNode(text.table + " " + m.next_table + " · " + m.next_colour_label));
      } else {
        to.textContent = m.returns ? text.pause : text.done;
      }
      li.appendChild(to);
      list.appendChild(li);
    });
    document.getElementById("hall-moves").replaceChildren(list);
    tick();
  }
  var busy = false;
  function refresh() {
    if (busy) return;
    busy = true;
    fetch(main.dataset.source, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) render(data); })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  clock(main.dataset.now);
  nextAt = main.dataset.next ? Date.parse(main.dataset.next) : null;
  setInterval(tick, 1000);
  setInterval(refresh, 10000);
  tick();
})();
