/* collectsim studio: the page's behaviour. Reads the grid from #studio-data; makes no network request. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("studio-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var NS = "http://www.w3.org/2000/svg";
  var L = D.levers;
  var state = { idx: L.map(function (l) { return l.base; }), pinned: L.map(function (l) { return l.base; }), asked: {}, unknown: [] };

  function show(v) { return typeof v === "string" ? v : JSON.stringify(v); }
  function fmt(kind, x) {
    if (x === null || x === undefined) return "–";
    if (kind === "pct") return (100 * x).toFixed(1) + "%";
    if (kind === "money") return "$" + x.toLocaleString("en-US", { maximumFractionDigits: Math.abs(x) >= 1000 ? 0 : 2, minimumFractionDigits: Math.abs(x) >= 1000 ? 0 : 2 });
    return x.toFixed(2);
  }
  function fmtDiff(kind, x, fine) {
    if (x === null || x === undefined) return "–";
    var body = kind === "pct" ? (100 * Math.abs(x)).toFixed(1) + " pt" : fmt(kind, Math.abs(x));
    var sign = x < 0 ? "−" : "+";
    if (parseFloat(body.replace(/[^0-9.]/g, "")) === 0) {
      /* a significant change never shows as 0: one more digit, else "under" the last one */
      if (!fine || x === 0) return body;  /* no sign on a change that rounds to 0 */
      var a = Math.abs(x);
      if (kind === "pct") return sign + (100 * a >= 0.01 ? (100 * a).toFixed(2) + " pt" : "<0.01 pt");
      if (kind === "money") return sign + (a >= 0.001 ? "$" + a.toFixed(3) : "<$0.001");
      return sign + (a >= 0.001 ? a.toFixed(3) : "<0.001");
    }
    return sign + body;
  }
  function key(idx) { return idx.join(","); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function settingText(idx, missing) {
    return L.map(function (l, i) {
      var v = missing && missing[l.path] !== undefined ? missing[l.path] : show(l.values[idx[i]]);
      return l.label + " " + v;
    }).join(", ");
  }

  /* ---- the levers ---------------------------------------------------------------------- */
  var form = $("levers");
  L.forEach(function (l, i) {
    var box = el("div", { "class": "lever" });
    var id = "lever-" + i;
    var numeric = l.values.every(function (v) { return typeof v === "number"; });
    box.appendChild(el("label", { "for": id }, l.label));
    if (numeric) {
      var r = el("input", { type: "range", id: id, min: 0, max: l.values.length - 1, step: 1, "data-path": l.path });
      var out = el("output", { "for": id, id: id + "-out" });
      box.appendChild(r);
      var ticks = el("div", { "class": "ticks", "aria-hidden": "true" });
      l.values.forEach(function (v) { ticks.appendChild(el("span", {}, show(v))); });
      box.appendChild(ticks);
      box.querySelector("label").appendChild(out);
      r.addEventListener("input", function () { state.idx[i] = +r.value; state.missing = null; state.unknown = []; update(true); });
    } else {
      var s = el("select", { id: id, "data-path": l.path });
      l.values.forEach(function (v, j) { s.appendChild(el("option", { value: j }, show(v))); });
      box.appendChild(s);
      s.addEventListener("change", function () { state.idx[i] = +s.value; state.missing = null; state.unknown = []; update(true); });
    }
    form.appendChild(box);
  });
  function syncControls() {
    L.forEach(function (l, i) {
      var c = $("lever-" + i);
      c.value = state.idx[i];
      if (c.type === "range") {
        var v = show(l.values[state.idx[i]]);
        c.setAttribute("aria-valuetext", v);
        $("lever-" + i + "-out").textContent = v;
      }
    });
  }

  /* ---- the URL hash ---------------------------------------------------------------------- */
  function hashOf(idx) {
    var h = "#" + L.map(function (l, i) { return encodeURIComponent(l.path) + "=" + encodeURIComponent(show(l.values[idx[i]])); }).join("&");
    var atBase = state.pinned.every(function (j, i) { return j === L[i].base; });
    if (!atBase) h += "&pin=" + state.pinned.map(function (j, i) { return encodeURIComponent(show(L[i].values[j])); }).join(",");
    return h;
  }
  function readPin(val) {
    var parts = val.split(","), idx = parts.map(function (v, i) { return i < L.length ? L[i].values.findIndex(function (w) { return show(w) === v; }) : -1; });
    if (parts.length !== L.length || idx.some(function (j) { return j < 0; }) || !D.cells[key(idx)]) {
      state.unknown.push("pinned baseline " + val + " is not a simulated setting, ignored");
      return;
    }
    state.pinned = idx;
  }
  function readHash() {
    var h = location.hash.replace(/^#/, "");
    state.missing = null; state.unknown = [];
    state.pinned = L.map(function (l) { return l.base; });
    if (!h) return false;
    h.split("&").forEach(function (part) {
      if (!part) return;
      var kv = part.split("="), path = decodeURIComponent(kv[0]), val = decodeURIComponent(kv.slice(1).join("="));
      if (path === "pin") { readPin(val); return; }
      var i = L.findIndex(function (l) { return l.path === path; });
      if (i < 0) { state.unknown.push("unknown lever " + path + " ignored"); return; }
      var j = L[i].values.findIndex(function (v) { return show(v) === val; });
      if (j >= 0) state.idx[i] = j;
      else { state.missing = state.missing || {}; state.missing[path] = val; }
    });
    return true;
  }

  /* ---- the pyramid ------------------------------------------------------------------------ */
  function paired(a, b) {
    var d = [];
    for (var r = 0; r < Math.min(a.length, b.length); r++) if (a[r] !== null && b[r] !== null) d.push(b[r] - a[r]);
    var n = d.length;
    if (!n) return null;
    var m = d.reduce(function (s, x) { return s + x; }, 0) / n;
    if (n < 2) return { m: m, lo: null, hi: null };
    var v = d.reduce(function (s, x) { return s + (x - m) * (x - m); }, 0) / (n - 1);
    var hw = D.tq[Math.min(n - 2, D.tq.length - 1)] * Math.sqrt(v / n);
    return { m: m, lo: m - hw, hi: m + hw };
  }
  function unknownText() {
    return state.unknown.length ? " In the link: " + state.unknown.join("; ") + "." : "";
  }
  function update(pushHash) {
    syncControls();
    var k = key(state.idx), cell = state.missing ? null : D.cells[k], base = D.cells[key(state.pinned)];
    var st = $("status"), body = $("pyramid").tBodies[0];
    body.innerHTML = "";
    $("pinned").textContent = settingText(state.pinned);
    if (pushHash) history.replaceState(null, "", hashOf(state.idx));
    $("link").setAttribute("href", state.missing ? location.hash : hashOf(state.idx));
    if (!cell) {
      st.className = "missing";
      st.textContent = "Not simulated: " + settingText(state.idx, state.missing) + " is not in the grid, so no figures are shown (the page never interpolates). " +
        "The grid has: " + L.map(function (l) { return l.label + " " + l.values.map(show).join("/"); }).join("; ") + "." + unknownText();
      $("breaches").innerHTML = "";
      league(null);
      return;
    }
    st.className = "";
    st.textContent = "Simulated setting " + cell.id + ": " + settingText(state.idx) + "." + unknownText();
    D.metrics.forEach(function (m) {
      var s = cell.m[m.key], b = base ? base.m[m.key] : null;
      var tr = el("tr", { id: "m-" + m.key, "class": m.key === "value_per_paid_hour" ? "value" : "" });
      tr.appendChild(el("td", {}, m.label));
      var td = el("td", { "class": "mean", "data-value": s[0] === null ? "" : s[0] }, fmt(m.kind, s[0]));
      tr.appendChild(td);
      tr.appendChild(el("td", {}, s[1] === null ? "–" : fmt(m.kind, s[1]) + " to " + fmt(m.kind, s[2])));
      tr.appendChild(el("td", {}, b ? fmt(m.kind, b[0]) : "–"));
      var p = b ? paired(b[3], s[3]) : null, txt = "–", cls = "";
      if (p) {
        var sig = p.lo !== null && (p.lo > 0 || p.hi < 0);
        txt = fmtDiff(m.kind, p.m, sig) + (p.lo === null ? "" : " (" + fmtDiff(m.kind, p.lo, sig) + " to " + fmtDiff(m.kind, p.hi, sig) + ")");
        if (sig) cls = "sig " + (p.m > 0 ? "up" : "down");
      }
      tr.appendChild(el("td", { "class": cls }, txt));
      body.appendChild(tr);
    });
    var ul = $("breaches");
    ul.innerHTML = "";
    cell.breaches.forEach(function (b) { ul.appendChild(el("li", {}, "compliance: " + b)); });
    league(cell);
  }

  /* ---- league and coaching --------------------------------------------------------------- */
  var LAYERS = D.metrics.filter(function (m) { return m.layer; });
  function league(cell) {
    var t = $("league"), lg = cell && cell.league;
    t.tHead.innerHTML = ""; t.tBodies[0].innerHTML = "";
    if (!lg) { $("league-note").textContent = cell ? "No league table for this setting." : "Not simulated."; return; }
    $("league-note").textContent = "Ranked by value per paid hour. Each layer as % of the unit's reference: the team's target where the scenario sets one, else the collector's peers on the same segments. ▼ and bold: significantly below it (Holm-corrected tests over the replications); the coaching follows those flags." + (lg.more ? " " + lg.more + " more collectors not shown." : "");
    var h = el("tr");
    ["unit", "value per paid hour", "reference"].concat(LAYERS.map(function (m) { return m.label; })).concat(["coaching"]).forEach(function (x) { h.appendChild(el("th", { scope: "col" }, x)); });
    t.tHead.appendChild(h);
    lg.rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("td", {}, r.level + " " + r.name));
      tr.appendChild(el("td", {}, fmt("money", r.vph)));
      tr.appendChild(el("td", {}, r.basis === "target" ? "target " + fmt("money", r.target_vph) : r.basis === "none" ? (r.level === "team" ? "no team target" : "none") : r.basis));
      LAYERS.forEach(function (m) {
        var x = r.ratio[m.key], f = r.flagged.indexOf(m.key) >= 0;
        tr.appendChild(el("td", { "class": f ? "flag" : "" }, x === null ? "–" : (100 * x).toFixed(0) + "%" + (f ? " ▼" : "")));
      });
      tr.appendChild(el("td", { "class": "text" }, r.coaching));
      t.tBodies[0].appendChild(tr);
    });
  }

  /* ---- a collector's day ------------------------------------------------------------------ */
  var COL = { ring: "#56B4E9", rpc: "#0072B2", other: "#CC79A7", wrap: "#E69F00", away: "#BBBBBB", idle: "#FFFFFF" };
  var days = D.days || [], W = 640, H = 72, t0 = Infinity, t1 = 0, panels = [];
  days.forEach(function (d) { t0 = Math.min(t0, d.shift[0]); t1 = Math.max(t1, d.shift[1]); });
  function x(t) { return 10 + (W - 20) * (t - t0) / Math.max(1, t1 - t0); }
  function hhmm(t) { var h = Math.floor(t / 3600), m = Math.floor(t % 3600 / 60); return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m; }
  function rect(g, a, b, y, h, c, title) {
    if (b <= a) return;
    var r = document.createElementNS(NS, "rect");
    r.setAttribute("x", x(a)); r.setAttribute("width", Math.max(0.4, x(b) - x(a)));
    r.setAttribute("y", y); r.setAttribute("height", h); r.setAttribute("fill", c);
    if (title) { var tt = document.createElementNS(NS, "title"); tt.textContent = title; r.appendChild(tt); }
    g.appendChild(r);
  }
  days.forEach(function (d, n) {
    var box = el("div", { "class": "day" });
    var designs = Object.keys(d.values).map(function (p) { var l = L.find(function (q) { return q.path === p; }); return (l ? l.label : p) + " " + show(d.values[p]); }).join(", ");
    box.appendChild(el("h3", {}, (n === 0 ? "A: " : "B: ") + d.mode + " dialer" + (d.pacing ? " (" + d.pacing + ")" : "") + ", collector " + d.collector));
    box.appendChild(el("p", { "class": "note" }, "setting " + d.variant + ": " + designs));
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + H); svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "timeline of " + d.collector + "'s day under the " + d.mode + " dialer: " + d.calls.length + " calls");
    var cid = "clip-" + n, defs = document.createElementNS(NS, "defs"), cp = document.createElementNS(NS, "clipPath");
    cp.setAttribute("id", cid);
    var cr = document.createElementNS(NS, "rect"); cr.setAttribute("x", 0); cr.setAttribute("y", 0); cr.setAttribute("height", H); cr.setAttribute("width", 0);
    cp.appendChild(cr); defs.appendChild(cp);
    var pred = d.mode === "predictive", hid = "hatch-" + n;
    if (pred) {  /* the line rings before the dialer hands the answer over: not the collector's time */
      var pat = document.createElementNS(NS, "pattern");
      pat.setAttribute("id", hid); pat.setAttribute("width", 4); pat.setAttribute("height", 4);
      pat.setAttribute("patternUnits", "userSpaceOnUse"); pat.setAttribute("patternTransform", "rotate(45)");
      var pr = document.createElementNS(NS, "rect"); pr.setAttribute("width", 2); pr.setAttribute("height", 4); pr.setAttribute("fill", COL.ring);
      pat.appendChild(pr); defs.appendChild(pat);
    }
    svg.appendChild(defs);
    var ghost = document.createElementNS(NS, "g"), live = document.createElementNS(NS, "g");
    ghost.setAttribute("opacity", "0.15"); live.setAttribute("clip-path", "url(#" + cid + ")");
    [ghost, live].forEach(function (g) {
      rect(g, d.shift[0], d.shift[1], 18, 30, "#FFFFFF");
      d.away.forEach(function (a) { rect(g, a[0], a[1], 18, 30, COL.away, "away (break, lunch, meeting) " + hhmm(a[0]) + "–" + hhmm(a[1])); });
      d.calls.forEach(function (c) {
        var s = c[0], talk = c[4] === d.rpc_code ? COL.rpc : COL.other;
        if (pred) rect(g, s, s + c[1], 49, 5, "url(#" + hid + ")", "line ringing, not you: the dialer rang this line before handing the answer over");
        else rect(g, s, s + c[1], 18, 30, COL.ring);
        rect(g, s + c[1], s + c[1] + c[2], 18, 30, talk, d.outcomes[c[4]] + " at " + hhmm(s));
        rect(g, s + c[1] + c[2], s + c[1] + c[2] + c[3], 18, 30, COL.wrap);
      });
      svg.appendChild(g);
    });
    for (var h = Math.ceil(t0 / 3600); h * 3600 <= t1; h++) {
      var tx = document.createElementNS(NS, "text");
      var hx0 = x(h * 3600);
      tx.setAttribute("x", hx0); tx.setAttribute("y", 68); tx.setAttribute("font-size", "12.5");
      tx.setAttribute("text-anchor", hx0 > W - 24 ? "end" : hx0 < 24 ? "start" : "middle");
      tx.textContent = h + ":00"; svg.appendChild(tx);
    }
    var line = document.createElementNS(NS, "line");
    line.setAttribute("y1", 12); line.setAttribute("y2", 52); line.setAttribute("stroke", "#D55E00"); line.setAttribute("stroke-width", 2);
    svg.appendChild(line);
    box.appendChild(svg);
    var counts = el("div", { "class": "counts", "aria-live": "off" });
    var names = [["calls", "calls handled"], ["persons", "answered by a person"], ["rpc", "right-party contacts"], ["promises", "promises"], ["kept", "kept (later)"], ["usd", "collected (later)"], ["talk", "talk share of time"]];
    var vals = {};
    names.forEach(function (nm) { var c = el("div", { "class": "count" }); c.appendChild(el("div", { "class": "k" }, nm[1])); vals[nm[0]] = el("div", { "class": "v", id: "day" + n + "-" + nm[0] }, "0"); c.appendChild(vals[nm[0]]); counts.appendChild(c); });
    box.appendChild(counts);
    var hl = d.hour ? hourChart(box, d, n) : null;
    $("days").appendChild(box);
    panels.push({ d: d, clip: cr, line: line, vals: vals, hour: hl });
  });
  function hourChart(box, d, n) {
    var h = d.hour, HW = 640, HH = 150, bins = h.ringing.length;
    var top = Math.max(4, Math.max.apply(null, h.ringing.concat(h.busy, h.free, h.away || [])));
    var hx = function (i) { return 34 + (HW - 44) * i / bins; };
    var hy = function (v) { return 110 - 95 * v / top; };
    box.appendChild(el("h3", {}, "The dialer at work, " + hhmm(h.start) + " to " + hhmm(h.start + 3600) + ": " + d.mode + " dialer" + (d.pacing ? ", " + d.pacing : "")));
    var svg = document.createElementNS(NS, "svg");
    var sum = function (a) { return a.reduce(function (s, x) { return s + x; }, 0); };
    var meanFree = sum(h.free) / bins;
    svg.setAttribute("viewBox", "0 0 " + HW + " " + HH); svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "one hour of the " + d.mode + " dialer: " + h.dials + " dials, " + sum(h.answered) + " answered by a person, " + sum(h.abandoned) + " abandoned, " + meanFree.toFixed(1) + " collectors free on average");
    var series = [["ringing", "#56B4E9", "lines ringing (dotted)"], ["busy", "#0072B2", "collectors on a call"], ["free", "#009E73", "collectors free, waiting (dashed)"]];
    if (h.away) series.push(["away", "#888888", "collectors away, on a break"]);
    series.forEach(function (sr) {
      var pts = h[sr[0]].map(function (v, i) { return hx(i) + "," + hy(v) + " " + hx(i + 1) + "," + hy(v); }).join(" ");
      var pl = document.createElementNS(NS, "polyline");
      pl.setAttribute("points", pts); pl.setAttribute("fill", "none"); pl.setAttribute("stroke", sr[1]);
      pl.setAttribute("stroke-width", sr[0] === "ringing" ? 1.2 : 2);
      if (sr[0] === "ringing") pl.setAttribute("stroke-dasharray", "1.5 2");
      if (sr[0] === "free") pl.setAttribute("stroke-dasharray", "5 2");
      svg.appendChild(pl);
    });
    h.abandoned.forEach(function (k, m) {
      if (!k) return;
      var r = document.createElementNS(NS, "rect");
      r.setAttribute("x", hx(m * 60 / h.bin_s)); r.setAttribute("width", (HW - 44) / 60 - 1);
      r.setAttribute("y", 128 - 4 * k); r.setAttribute("height", 4 * k); r.setAttribute("fill", "#D55E00");
      svg.appendChild(r);
    });
    [0, Math.round(top / 2), top].forEach(function (v) {
      var tx = document.createElementNS(NS, "text"); tx.setAttribute("x", 28); tx.setAttribute("y", hy(v) + 4);
      tx.setAttribute("font-size", "12.5"); tx.setAttribute("text-anchor", "end"); tx.textContent = v; svg.appendChild(tx);
    });
    for (var m = 0; m <= 60; m += 10) {
      var tx = document.createElementNS(NS, "text"); tx.setAttribute("x", hx(m * 60 / h.bin_s)); tx.setAttribute("y", 146);
      tx.setAttribute("font-size", "12.5"); tx.setAttribute("text-anchor", m === 60 ? "end" : m === 0 ? "start" : "middle"); tx.textContent = hhmm(h.start + 60 * m); svg.appendChild(tx);
    }
    var ph = document.createElementNS(NS, "line");
    ph.setAttribute("y1", 10); ph.setAttribute("y2", 130); ph.setAttribute("stroke", "#D55E00"); ph.setAttribute("stroke-width", 1.5);
    svg.appendChild(ph);
    box.appendChild(svg);
    var lg = el("p", { "class": "legend" });
    series.concat([["abandoned", "#D55E00", "calls abandoned (bars, per minute)"]]).forEach(function (sr) {
      var sp = el("span"), i = el("i"); i.style.background = sr[1]; sp.appendChild(i); sp.appendChild(document.createTextNode(sr[2])); lg.appendChild(sp);
    });
    box.appendChild(lg);
    box.appendChild(el("p", { "class": "note", id: "hour" + n + "-summary" }, h.dials + " dials in the hour for a campaign of " + h.collectors + " collectors; " + sum(h.answered) +
      " answered by a person, " + sum(h.abandoned) + " abandoned (answered with no collector free); on average " + meanFree.toFixed(1) + " collectors free and waiting" +
      (d.mode === "predictive" ? "." : " (a " + d.mode + " collector waits through each ring: counted as on a call).")));
    return { line: ph, x: function (t) { return hx(Math.max(0, Math.min(bins, (t - h.start) / h.bin_s))); }, start: h.start };
  }
  $("day-legend").innerHTML = "";
  [["ring", "dialing and ringing (the collector waits)"], ["hatch", "predictive: line ringing before the answer reaches the collector (thin band, not the collector's time)"], ["rpc", "talking with the debtor (right party)"], ["other", "machine, third party, other"], ["wrap", "wrap-up"], ["away", "away: break, lunch, meeting"], ["idle", "idle, waiting (white)"]].forEach(function (p) {
    var s = el("span"); var i = el("i"); i.style.background = p[0] === "hatch" ? "repeating-linear-gradient(45deg," + COL.ring + " 0 2px,#fff 2px 4px)" : COL[p[0]]; s.appendChild(i); s.appendChild(document.createTextNode(p[1])); $("day-legend").appendChild(s);
  });
  if (!days.length) $("day-section").appendChild(el("p", { "class": "note" }, "No collector's day in this page."));
  var clock = { t: t0, playing: false, last: null };
  function drawDay() {
    var t = clock.t;
    $("clock").value = Math.round(1000 * (t - t0) / Math.max(1, t1 - t0));
    $("clock-out").textContent = hhmm(t);
    $("clock").setAttribute("aria-valuetext", hhmm(t));
    panels.forEach(function (p) {
      var d = p.d, c = { calls: 0, persons: 0, rpc: 0, promises: 0, kept: 0, usd: 0 }, talk = 0;
      d.calls.forEach(function (k) {
        if (k[0] > t) return;
        c.calls++;
        if (k[4] === d.rpc_code || d.outcomes[k[4]] === "third_party") c.persons++;
        if (k[4] === d.rpc_code) c.rpc++;
        talk += Math.max(0, Math.min(t, k[0] + k[1] + k[2]) - (k[0] + k[1]));
      });
      d.promises.forEach(function (q) { if (q[0] <= t) { c.promises++; c.kept += q[1]; c.usd += q[2]; } });
      p.clip.setAttribute("width", x(t));
      if (p.hour) {
        var inHour = t >= p.hour.start && t <= p.hour.start + 3600;
        p.hour.line.setAttribute("visibility", inHour ? "visible" : "hidden");
        p.hour.line.setAttribute("x1", p.hour.x(t)); p.hour.line.setAttribute("x2", p.hour.x(t));
      }
      p.line.setAttribute("x1", x(t)); p.line.setAttribute("x2", x(t));
      for (var k in c) p.vals[k].textContent = k === "usd" ? fmt("money", c.usd) : String(c[k]);
      var el0 = Math.max(0, Math.min(t, d.shift[1]) - d.shift[0]);
      p.vals.talk.textContent = el0 > 0 ? (100 * talk / el0).toFixed(0) + "%" : "–";
    });
  }
  function tick(now) {
    if (!clock.playing) return;
    if (clock.last !== null) clock.t = Math.min(t1, clock.t + (now - clock.last) / 1000 * +$("speed").value);
    clock.last = now;
    drawDay();
    if (clock.t >= t1) { setPlaying(false); return; }
    requestAnimationFrame(tick);
  }
  function setPlaying(on) {
    clock.playing = on; clock.last = null;
    $("play").textContent = on ? "Pause" : "Play";
    $("play").setAttribute("aria-pressed", on ? "true" : "false");
    if (on) { if (clock.t >= t1) clock.t = t0; requestAnimationFrame(tick); }
  }
  $("play").addEventListener("click", function () { setPlaying(!clock.playing); });
  $("clock").addEventListener("input", function () { clock.t = t0 + (t1 - t0) * $("clock").value / 1000; drawDay(); });
  if (days.length) drawDay();
  window.matchMedia && window.matchMedia("print").addListener && window.matchMedia("print").addListener(function (m) { if (m.matches) { clock.t = t1; drawDay(); } });

  /* ---- exercises ------------------------------------------------------------------------- */
  (D.exercises || []).forEach(function (e, n) {
    var box = el("div", { "class": "exercise", id: "ex-" + n });
    var fs = el("fieldset"); fs.appendChild(el("legend", {}, (n + 1) + ". " + (e.question || "")));
    (e.choices || []).forEach(function (c, j) {
      var id = "ex-" + n + "-" + j, lab = el("label", { "for": id });
      var r = el("input", { type: "radio", name: "ex-" + n, id: id, value: c });
      r.addEventListener("change", function () { btn.disabled = false; });
      lab.appendChild(r); lab.appendChild(document.createTextNode(" " + c)); fs.appendChild(lab);
    });
    box.appendChild(fs);
    var btn = el("button", { type: "button", disabled: "disabled" }, "Reveal the answer");
    var out = el("div", { "class": "reveal", role: "status", hidden: "hidden" });
    btn.addEventListener("click", function () {
      var g = box.querySelector("input:checked");
      var ok = g && g.value === e.answer;
      out.hidden = false; out.innerHTML = "";
      out.appendChild(el("span", { "class": ok ? "right" : "wrong" }, ok ? "Right. " : "Not quite. "));
      /* the figures from the cells' own values, as the pyramid shows them on the levers */
      var words = e.words || "value per paid hour", ca = D.cells[e.a_key], cb = D.cells[e.b_key];
      var ma = ca && ca.m[e.metric], mb = cb && cb.m[e.metric], p = ma && mb ? paired(ma[3], mb[3]) : null;
      var a = ma ? ma[0] : e.a, b = mb ? mb[0] : e.b, diff = p ? p.m : e.diff, lo = p ? p.lo : e.lo, hi = p ? p.hi : e.hi;
      out.appendChild(document.createTextNode(words.charAt(0).toUpperCase() + words.slice(1) + " goes from " + fmt("money", a) + " to " + fmt("money", b) +
        ": " + fmtDiff("money", diff) + " (95% CI " + fmtDiff("money", lo) + " to " + fmtDiff("money", hi) + ", paired over " + D.replications +
        " replications), so the answer is: " + (e.answer || "–") + (e.why ? " (" + e.why + ")." : ".") + (e.note ? " " + e.note : "")));
      var show2 = el("button", { type: "button" }, "Show it on the levers");
      show2.addEventListener("click", function () {
        state.pinned = String(e.a_key || key(state.pinned)).split(",").map(Number);
        state.idx = String(e.b_key || key(state.idx)).split(",").map(Number);
        state.missing = null; update(true);
        $("pyramid-section").scrollIntoView(); $("status").focus();
      });
      if (ca && cb) out.appendChild(show2);
    });
    box.appendChild(btn); box.appendChild(out);
    $("exercises").appendChild(box);
  });
  if (!(D.exercises || []).length) $("exercises").appendChild(el("p", { "class": "note" }, "No exercise: the grid has no lever with two values at the baseline."));

  /* ---- wiring ---------------------------------------------------------------------------- */
  $("pin").addEventListener("click", function () {
    if (state.missing || !D.cells[key(state.idx)]) {
      $("status").textContent = "Nothing pinned: this setting was not simulated, so it has no figures to compare with. Choose a simulated setting first.";
      $("status").focus();
      return;
    }
    state.pinned = state.idx.slice(); update(true);
  });
  $("reset").addEventListener("click", function () { state.idx = L.map(function (l) { return l.base; }); state.missing = null; state.unknown = []; update(true); });
  window.addEventListener("hashchange", function () { readHash(); update(false); });
  $("about").textContent = (D.description || "") + " Grid of " + Object.keys(D.cells).length + " simulated settings, " + D.replications + " replications each, seed " + D.seed + ".";
  $("nrep").textContent = D.replications;
  $("footer").textContent = "collectsim " + D.version + ", scenario " + D.source + ". Built by collectsim studio; a static page: nothing is sent anywhere.";
  readHash();
  update(false);
})();
