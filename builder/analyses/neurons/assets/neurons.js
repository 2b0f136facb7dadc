/* CLIP Atlas neuron galleries: reads ../data/<dataset>/neurons/index.json (relative URLs only),
 * draws one grid of optimised images per layer, and opens a unit panel on click (or from the
 * #unit=<layer>:<unit> address). Dataset text is written with textContent only. */
(function () {
  "use strict";
  var root = document.getElementById("neuron-gallery");
  if (!root) return;
  var base = root.getAttribute("data-base") || "";
  var index = null;
  var flat = []; // [{layer, entry}] in page order, for previous / next
  var dialog = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function fmt(x) {
    if (x === null || x === undefined || !isFinite(x)) return "n/a";
    var a = Math.abs(x);
    return a !== 0 && (a < 0.01 || a >= 1e4) ? x.toExponential(2) : x.toFixed(a < 1 ? 3 : 2);
  }
  function pct(x) { return x === null || x === undefined ? "n/a" : Math.round(100 * x) + " %"; }
  function url(path) { return base + String(path).replace(/["\\\s]/g, ""); }
  function status(text) {
    root.textContent = "";
    root.appendChild(el("p", "neuron-status", text));
  }

  function sprite(path, i, k, px, cls) {
    var d = el("div", cls);
    d.style.width = px + "px";
    d.style.height = px + "px";
    d.style.backgroundImage = 'url("' + url(path) + '")';
    d.style.backgroundSize = k * px + "px " + px + "px";
    d.style.backgroundPosition = -i * px + "px 0px";
    return d;
  }

  function sparkline(values) {
    var ns = "http://www.w3.org/2000/svg";
    var w = 220, h = 48;
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("class", "neuron-curve");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "activation over the optimisation steps");
    if (!values || values.length < 2) return svg;
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    var span = hi - lo || 1;
    var pts = values.map(function (v, i) {
      return (i / (values.length - 1) * (w - 4) + 2).toFixed(1) + "," + (h - 2 - (v - lo) / span * (h - 4)).toFixed(1);
    });
    var line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", pts.join(" "));
    svg.appendChild(line);
    return svg;
  }

  function bars(title, vals) {
    var box = el("div", "neuron-bars");
    box.appendChild(el("p", "neuron-sub", title));
    var top = Math.max.apply(null, vals.map(function (v) { return isFinite(v[1]) ? Math.abs(v[1]) : 0; })) || 1;
    vals.forEach(function (v) {
      var row = el("div", "neuron-bar-row");
      row.appendChild(el("span", "neuron-bar-label", v[0]));
      var track = el("span", "neuron-bar-track");
      var bar = el("span", "neuron-bar neuron-bar-" + v[2]);
      bar.style.width = (isFinite(v[1]) ? Math.max(0, v[1]) / top * 100 : 0) + "%";
      track.appendChild(bar);
      row.appendChild(track);
      row.appendChild(el("span", "neuron-bar-value", fmt(v[1])));
      box.appendChild(row);
    });
    return box;
  }

  function labelsText(labels) {
    if (!labels) return "";
    return Object.keys(labels).sort().map(function (k) { return labels[k]; }).join(" · ");
  }

  function ensureDialog() {
    if (dialog) return dialog;
    dialog = el("dialog", "neuron-panel");
    dialog.setAttribute("aria-label", "unit details");
    dialog.addEventListener("close", function () {
      if (location.hash.indexOf("#unit=") === 0) history.replaceState(null, "", location.pathname + location.search);
    });
    dialog.addEventListener("click", function (ev) { if (ev.target === dialog) dialog.close(); });
    document.body.appendChild(dialog);
    return dialog;
  }

  function openUnit(pos) {
    var item = flat[pos];
    if (!item) return;
    var layer = item.layer, e = item.entry, k = e.exemplars.length, px = index.tile_px || 64;
    var d = ensureDialog();
    d.textContent = "";
    var head = el("div", "neuron-panel-head");
    head.appendChild(el("h2", null, layer.name + " · unit " + e.unit));
    var nav = el("div", "neuron-panel-nav");
    [["‹ previous", pos - 1], ["next ›", pos + 1]].forEach(function (b) {
      var btn = el("button", "md-button", b[0]);
      btn.type = "button";
      btn.disabled = b[1] < 0 || b[1] >= flat.length;
      btn.addEventListener("click", function () { show(b[1]); });
      nav.appendChild(btn);
    });
    var close = el("button", "md-button neuron-close", "close");
    close.type = "button";
    close.addEventListener("click", function () { d.close(); });
    nav.appendChild(close);
    head.appendChild(nav);
    d.appendChild(head);
    d.appendChild(el("p", "neuron-kind", layer.kind + " · " + layer.depth + " layer"));

    var body = el("div", "neuron-panel-body");
    var left = el("div", "neuron-panel-left");
    var img = el("img", "neuron-big");
    img.src = url(e.image);
    img.alt = "image optimised to excite " + layer.name + " unit " + e.unit;
    left.appendChild(img);
    left.appendChild(bars("Mean activation over positions (what the picture maximises)",
      [["optimised image", e.activation, "opt"], ["best dataset image", e.dataset_max, "max"],
       ["dataset average", e.dataset_mean, "mean"]]));
    left.appendChild(bars("Strongest single position",
      [["optimised image", e.peak, "opt"], ["best dataset image", e.dataset_peak_max, "max"]]));
    left.appendChild(el("p", "neuron-note", e.exceeds ? "The optimised image beats every dataset image."
      : "The best dataset image beats the optimised one."));
    left.appendChild(el("p", "neuron-sub", "Activation during optimisation"));
    left.appendChild(sparkline(e.curve));
    body.appendChild(left);

    var right = el("div", "neuron-panel-right");
    right.appendChild(el("h3", null, "Dataset images that excite it most"));
    var byPeak = index.exemplars !== "mean";
    right.appendChild(el("p", "neuron-sub", "Each pair: where the unit fires most, and the whole image with that " +
      "region boxed. Ranked by " + (byPeak ? "the unit's strongest position in the image" :
      "the unit's mean activation over the image") + " (the number)."));
    var ex = el("div", "neuron-exemplars");
    e.exemplars.forEach(function (x, i) {
      var card = el("figure", "neuron-exemplar");
      var pair = el("div", "neuron-exemplar-pair");
      pair.appendChild(sprite(e.crops, i, k, px, "neuron-tile neuron-crop"));
      var whole = sprite(e.top, i, k, px, "neuron-tile neuron-whole");
      var b = x.box || [0, 0, 1, 1];
      var mark = el("span", "neuron-box");
      mark.style.left = b[0] * 100 + "%";
      mark.style.top = b[1] * 100 + "%";
      mark.style.width = (b[2] - b[0]) * 100 + "%";
      mark.style.height = (b[3] - b[1]) * 100 + "%";
      whole.appendChild(mark);
      pair.appendChild(whole);
      card.appendChild(pair);
      var cap = el("figcaption");
      cap.appendChild(el("span", "neuron-act", fmt(byPeak ? x.peak : x.mean)));
      cap.appendChild(el("span", "neuron-labels", labelsText(x.labels)));
      cap.title = x.id;
      card.appendChild(cap);
      ex.appendChild(card);
    });
    right.appendChild(ex);
    if (e.labels && e.labels.length) {
      right.appendChild(el("h3", null, "What the exemplars share"));
      var ul = el("ul", "neuron-agree");
      e.labels.forEach(function (l) {
        ul.appendChild(el("li", null, l.field + ": " + l.value + " in " + pct(l.share) + " of them (" +
          pct(l.base) + " of the dataset)"));
      });
      right.appendChild(ul);
    }
    right.appendChild(el("h3", null, "Nearest captions"));
    var ol = el("ol", "neuron-captions");
    (e.captions || []).forEach(function (c) {
      var li = el("li");
      li.appendChild(el("span", "neuron-caption", c.text));
      li.appendChild(el("span", "neuron-cos", " cos " + (isFinite(c.cos) ? c.cos.toFixed(3) : "n/a")));
      ol.appendChild(li);
    });
    if (!ol.children.length) ol.appendChild(el("li", null, "none"));
    right.appendChild(ol);
    body.appendChild(right);
    d.appendChild(body);
    if (!d.open) d.showModal();
  }

  function show(pos) {
    var item = flat[pos];
    if (!item) return;
    history.replaceState(null, "", "#unit=" + encodeURIComponent(item.layer.name + ":" + item.entry.unit));
    openUnit(pos);
  }

  function fromHash() {
    var m = /^#unit=(.+)$/.exec(location.hash);
    if (!m) return;
    var key = decodeURIComponent(m[1]);
    for (var i = 0; i < flat.length; i++) {
      if (flat[i].layer.name + ":" + flat[i].entry.unit === key) { openUnit(i); return; }
    }
  }

  function render() {
    root.textContent = "";
    index.layers.forEach(function (layer) {
      var sec = el("section", "neuron-layer");
      sec.appendChild(el("h3", "neuron-layer-name", layer.name));
      sec.appendChild(el("p", "neuron-kind", layer.kind + " · " + layer.depth + " layer · " +
        layer.units.length + " of " + layer.units_total + " units"));
      var grid = el("div", "neuron-grid");
      layer.units.forEach(function (e) {
        var pos = flat.length;
        flat.push({layer: layer, entry: e});
        var btn = el("button", "neuron-cell" + (e.exceeds ? " neuron-exceeds" : ""));
        btn.type = "button";
        btn.title = layer.name + " unit " + e.unit + ": " + fmt(e.activation) + " (dataset max " + fmt(e.dataset_max) + ")";
        var img = el("img");
        img.loading = "lazy";
        img.decoding = "async";
        img.width = 96;
        img.height = 96;
        img.alt = "unit " + e.unit;
        img.src = url(e.image);
        btn.appendChild(img);
        btn.appendChild(el("span", "neuron-cell-label", e.unit));
        btn.addEventListener("click", function () { show(pos); });
        grid.appendChild(btn);
      });
      sec.appendChild(grid);
      root.appendChild(sec);
    });
    fromHash();
  }

  window.addEventListener("hashchange", fromHash);
  fetch(root.getAttribute("data-index"))
    .then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    })
    .then(function (doc) { index = doc; render(); })
    .catch(function (err) {
      status("Could not load the galleries (" + err.message + "). Pages opened straight from disk cannot load " +
        "data: serve the site folder, e.g. with `python -m http.server`.");
    });
})();
