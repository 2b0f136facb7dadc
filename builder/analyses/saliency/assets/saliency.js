/* CLIP Atlas saliency page: precomputed maps of text prompts on images.
 *
 * Reads index.json, maps.bin and tokens.bin (uint8[M, h, w], scaled per map; raw min/max in the
 * JSON) from the folder named by the container's data-index attribute, relative to this page.
 * Draws each map over its image on a canvas: bilinear upsampling of the grid (as the build's
 * evaluation does), then the viridis colour map. No request leaves the site's origin; all
 * dataset text is set with textContent.
 */
(function () {
  "use strict";

  // viridis at 9 evenly spaced stops (perceptually uniform, readable in grey and by most colour-blind readers)
  var VIRIDIS = [
    [68, 1, 84], [71, 45, 123], [59, 82, 139], [44, 114, 142], [33, 145, 140],
    [40, 174, 128], [94, 201, 98], [173, 220, 48], [253, 231, 37],
  ];
  var LUT = (function () {
    var lut = new Uint8ClampedArray(256 * 3);
    for (var i = 0; i < 256; i++) {
      var t = (i / 255) * (VIRIDIS.length - 1), k = Math.min(Math.floor(t), VIRIDIS.length - 2), f = t - k;
      for (var c = 0; c < 3; c++) lut[i * 3 + c] = VIRIDIS[k][c] * (1 - f) + VIRIDIS[k + 1][c] * f;
    }
    return lut;
  })();
  var SRC_OK = /^images\/[0-9]{1,6}\.webp$/;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function fetchOk(url, kind) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      return kind === "json" ? r.json() : r.arrayBuffer();
    });
  }

  /* Bilinear upsampling (align_corners = false) of grid g (h*w values in 0..1) to W x H. */
  function upsample(g, h, w, W, H) {
    var out = new Float32Array(W * H);
    for (var y = 0; y < H; y++) {
      var v = Math.min(Math.max((y + 0.5) * h / H - 0.5, 0), h - 1), y0 = Math.floor(v), y1 = Math.min(y0 + 1, h - 1), fy = v - y0;
      for (var x = 0; x < W; x++) {
        var u = Math.min(Math.max((x + 0.5) * w / W - 0.5, 0), w - 1), x0 = Math.floor(u), x1 = Math.min(x0 + 1, w - 1), fx = u - x0;
        var top = g[y0 * w + x0] * (1 - fx) + g[y0 * w + x1] * fx;
        var bot = g[y1 * w + x0] * (1 - fx) + g[y1 * w + x1] * fx;
        out[y * W + x] = top * (1 - fy) + bot * fy;
      }
    }
    return out;
  }

  function Saliency(root, data, maps, tokens, base) {
    this.root = root;
    this.data = data;
    this.buf = { gradient: maps, tokens: tokens };
    this.base = base;
    this.h = data.grid[0];
    this.w = data.grid[1];
    this.state = { image: 0, prompt: 0, opacity: 0.6, method: "gradient", shared: false, box: false };
    this.imgs = [];
    var lo = Infinity, hi = -Infinity;
    data.images.forEach(function (im) { im.prompts.forEach(function (p) { lo = Math.min(lo, p.sim); hi = Math.max(hi, p.sim); }); });
    this.simRange = [Math.min(lo, 0), hi > lo ? hi : lo + 1];
  }

  Saliency.prototype.image = function (n) {
    if (!this.imgs[n]) {
      var src = this.data.images[n].src;
      var img = new Image();
      img.alt = "";
      if (SRC_OK.test(src)) img.src = new URL(src, this.base).href;
      this.imgs[n] = img;
    }
    return this.imgs[n];
  };

  /* Values 0..1 of map row m for the current method and scale. */
  Saliency.prototype.values = function (m, n) {
    var method = this.state.method, info = method === "gradient" ? this.data.maps : this.data.tokens;
    var size = this.h * this.w, raw = this.buf[method].subarray(m * size, (m + 1) * size), out = new Float32Array(size);
    var lo = info.min[m], hi = info.max[m];
    if (!this.state.shared) {
      for (var i = 0; i < size; i++) out[i] = raw[i] / 255;
      return out;
    }
    var glo = Infinity, ghi = -Infinity;
    this.data.images[n].prompts.forEach(function (p) { glo = Math.min(glo, info.min[p.map]); ghi = Math.max(ghi, info.max[p.map]); });
    if (method === "gradient") glo = Math.min(glo, 0);
    var span = ghi > glo ? ghi - glo : 1;
    for (var j = 0; j < size; j++) out[j] = (lo + (raw[j] / 255) * (hi - lo) - glo) / span;
    return out;
  };

  /* Draw image n with the map of prompt k over it on `canvas`. */
  Saliency.prototype.draw = function (canvas, n, k, withBox) {
    var self = this, img = this.image(n), im = this.data.images[n], p = im.prompts[k];
    var paint = function () {
      var W = canvas.width, H = canvas.height, ctx = canvas.getContext("2d");
      ctx.clearRect(0, 0, W, H);
      ctx.imageSmoothingEnabled = true;
      if (img.complete && img.naturalWidth) ctx.drawImage(img, 0, 0, W, H);
      var up = upsample(self.values(p.map, n), self.h, self.w, W, H);
      var off = document.createElement("canvas");
      off.width = W; off.height = H;
      // low values are more transparent, so the image stays readable where the map is dark
      var octx = off.getContext("2d"), id = octx.createImageData(W, H), a = self.state.opacity * 255;
      for (var i = 0; i < W * H; i++) {
        var v = Math.max(0, Math.min(255, Math.round(up[i] * 255)));
        id.data[i * 4] = LUT[v * 3]; id.data[i * 4 + 1] = LUT[v * 3 + 1]; id.data[i * 4 + 2] = LUT[v * 3 + 2];
        id.data[i * 4 + 3] = Math.round(a * (0.35 + 0.65 * v / 255));
      }
      octx.putImageData(id, 0, 0);
      ctx.drawImage(off, 0, 0);
      if (withBox && im.box) {
        ctx.save();
        ctx.strokeStyle = "#fff"; ctx.lineWidth = 2; ctx.setLineDash([5, 4]);
        ctx.strokeRect(im.box[0] * W, im.box[1] * H, (im.box[2] - im.box[0]) * W, (im.box[3] - im.box[1]) * H);
        ctx.restore();
      }
      canvas.setAttribute("data-drawn", "1");
    };
    if (img.complete && img.naturalWidth) paint();
    else { paint(); img.addEventListener("load", paint, { once: true }); }
  };

  Saliency.prototype.render = function () {
    var root = this.root;
    root.textContent = "";
    root.appendChild(this.thumbs());
    var main = el("div", "sal-main");
    this.viewCanvas = el("canvas", "sal-canvas");
    this.viewCanvas.width = 320; this.viewCanvas.height = 320;
    this.viewCanvas.setAttribute("role", "img");
    var left = el("div", "sal-view");
    left.appendChild(this.viewCanvas);
    left.appendChild(this.legend());
    left.appendChild(this.controls());
    this.caption = el("p", "sal-caption");
    left.appendChild(this.caption);
    this.promptList = el("div", "sal-prompts");
    this.promptList.setAttribute("role", "list");
    main.appendChild(left);
    main.appendChild(this.promptList);
    root.appendChild(main);
    this.prefixBox = el("div", "sal-prefixes");
    root.appendChild(this.prefixBox);
    this.select(0);
  };

  Saliency.prototype.thumbs = function () {
    var self = this, grid = el("div", "sal-thumbs");
    grid.setAttribute("aria-label", "Images");
    this.thumbButtons = this.data.images.map(function (im, n) {
      var b = el("button", "sal-thumb");
      b.type = "button";
      b.title = im.caption;
      b.setAttribute("aria-label", "image " + (n + 1) + ": " + im.caption);
      var img = self.image(n).cloneNode();
      b.appendChild(img);
      if (im.word) b.appendChild(el("span", "sal-badge", "Aa"));
      b.addEventListener("click", function () { self.select(n); });
      grid.appendChild(b);
      return b;
    });
    return grid;
  };

  Saliency.prototype.legend = function () {
    var box = el("div", "sal-legend"), bar = el("canvas", "sal-legend-bar");
    bar.width = 256; bar.height = 10;
    var ctx = bar.getContext("2d"), id = ctx.createImageData(256, 10);
    for (var x = 0; x < 256; x++) for (var y = 0; y < 10; y++) {
      var o = (y * 256 + x) * 4;
      id.data[o] = LUT[x * 3]; id.data[o + 1] = LUT[x * 3 + 1]; id.data[o + 2] = LUT[x * 3 + 2]; id.data[o + 3] = 255;
    }
    ctx.putImageData(id, 0, 0);
    box.appendChild(el("span", null, "low"));
    box.appendChild(bar);
    box.appendChild(el("span", null, "high"));
    return box;
  };

  Saliency.prototype.controls = function () {
    var self = this, box = el("div", "sal-controls");
    var label = el("label", null, "Heatmap opacity ");
    var slider = el("input", "sal-opacity");
    slider.type = "range"; slider.min = "0"; slider.max = "1"; slider.step = "0.05"; slider.value = String(this.state.opacity);
    slider.addEventListener("input", function () { self.state.opacity = parseFloat(slider.value); self.redraw(); });
    label.appendChild(slider);
    box.appendChild(label);
    var method = el("label", null, "Map ");
    var sel = el("select", "sal-method");
    [["gradient", "with gradients (" + (this.data.model.tower === "vit" ? "attention relevancy" : "Grad-CAM") + ")"],
     ["tokens", "without gradients (token similarity)"]].forEach(function (o) {
      var opt = el("option", null, o[1]); opt.value = o[0]; sel.appendChild(opt);
    });
    sel.addEventListener("change", function () { self.state.method = sel.value; self.redraw(); });
    method.appendChild(sel);
    box.appendChild(method);
    box.appendChild(this.checkbox("same scale for all prompts of this image", "shared"));
    box.appendChild(this.checkbox("show the object's box", "box"));
    return box;
  };

  Saliency.prototype.checkbox = function (text, key) {
    var self = this, label = el("label", "sal-check"), cb = el("input");
    cb.type = "checkbox";
    cb.checked = !!this.state[key];
    cb.addEventListener("change", function () { self.state[key] = cb.checked; self.redraw(); });
    label.appendChild(cb);
    label.appendChild(document.createTextNode(" " + text));
    return label;
  };

  Saliency.prototype.select = function (n) {
    this.state.image = n;
    this.state.prompt = this.data.images[n].object_prompt || 0;
    this.thumbButtons.forEach(function (b, i) { b.setAttribute("aria-pressed", i === n ? "true" : "false"); });
    var im = this.data.images[n];
    this.caption.textContent = "";
    this.caption.appendChild(el("strong", null, "Caption: "));
    this.caption.appendChild(document.createTextNode(im.caption));
    if (im.word) {
      this.caption.appendChild(el("br"));
      this.caption.appendChild(el("strong", null, "Written word: "));
      this.caption.appendChild(document.createTextNode(im.word));
    }
    this.redraw();
  };

  Saliency.prototype.redraw = function () {
    var n = this.state.image, im = this.data.images[n];
    this.draw(this.viewCanvas, n, this.state.prompt, this.state.box);
    this.viewCanvas.setAttribute("aria-label", "saliency of \u201c" + im.prompts[this.state.prompt].text + "\u201d");
    this.renderPrompts();
    this.renderPrefixes();
  };

  Saliency.prototype.bar = function (cls, frac, title) {
    var track = el("span", "sal-bar " + cls), fill = el("span", "sal-fill");
    fill.style.width = (100 * Math.max(0, Math.min(1, frac))).toFixed(1) + "%";
    track.title = title;
    track.appendChild(fill);
    return track;
  };

  Saliency.prototype.renderPrompts = function () {
    var self = this, n = this.state.image, im = this.data.images[n], list = this.promptList, r = this.simRange;
    list.textContent = "";
    var head = el("div", "sal-row sal-head");
    ["Prompt", "Cosine similarity", "Softmax"].forEach(function (t) { head.appendChild(el("span", null, t)); });
    list.appendChild(head);
    im.prompts.forEach(function (p, k) {
      var row = el("button", "sal-row");
      row.type = "button";
      row.setAttribute("role", "listitem");
      row.setAttribute("aria-pressed", k === self.state.prompt ? "true" : "false");
      var text = el("span", "sal-text");
      text.appendChild(el("span", "sal-prompt", p.text));
      text.appendChild(el("span", "sal-role", (self.data.roles && self.data.roles[p.role]) || p.role));
      row.appendChild(text);
      var sim = el("span", "sal-num");
      sim.appendChild(self.bar("sal-sim", (p.sim - r[0]) / (r[1] - r[0]), "cosine " + p.sim.toFixed(3)));
      sim.appendChild(el("span", null, p.sim.toFixed(3)));
      row.appendChild(sim);
      var sm = el("span", "sal-num");
      sm.appendChild(self.bar("sal-p", p.p, "softmax " + (100 * p.p).toFixed(1) + " %"));
      sm.appendChild(el("span", null, (100 * p.p).toFixed(1) + " %"));
      row.appendChild(sm);
      row.addEventListener("click", function () { self.state.prompt = k; self.redraw(); });
      list.appendChild(row);
    });
  };

  Saliency.prototype.figure = function (n, k, caption, extra) {
    var fig = el("figure", "sal-fig"), c = el("canvas", "sal-small");
    c.width = 160; c.height = 160;
    fig.appendChild(c);
    var cap = el("figcaption");
    cap.appendChild(el("span", "sal-prompt", caption));
    cap.appendChild(el("span", "sal-role", "cosine " + this.data.images[n].prompts[k].sim.toFixed(3) + (extra || "")));
    fig.appendChild(cap);
    this.draw(c, n, k, false);
    return fig;
  };

  Saliency.prototype.renderPrefixes = function () {
    var self = this, n = this.state.image, im = this.data.images[n], box = this.prefixBox;
    box.textContent = "";
    if (!im.prefixes || im.prefixes.length < 2) return;
    box.appendChild(el("h3", null, "The same description under different prefixes"));
    var row = el("div", "sal-figs");
    im.prefixes.forEach(function (pre) {
      row.appendChild(self.figure(n, pre.prompt, im.prompts[pre.prompt].text));
    });
    box.appendChild(row);
  };

  Saliency.prototype.renderTypographic = function (container) {
    var self = this;
    container.textContent = "";
    var items = [];
    this.data.images.forEach(function (im, n) { if (im.typographic) items.push(n); });
    if (!items.length) {
      container.appendChild(el("p", null, "No curated image carries a written word that differs from its object."));
      return;
    }
    items.forEach(function (n) {
      var im = self.data.images[n], t = im.typographic, card = el("div", "sal-typo");
      var title = el("p", "sal-typo-title");
      title.appendChild(el("strong", null, t.word_wins ? "The word wins" : "The object wins"));
      title.appendChild(document.createTextNode(" \u2014 written word: "));
      title.appendChild(el("code", null, t.word));
      card.appendChild(title);
      var row = el("div", "sal-figs");
      row.appendChild(self.figure(n, t.word_prompt, im.prompts[t.word_prompt].text, t.word_wins ? " (higher)" : ""));
      row.appendChild(self.figure(n, t.object_prompt, im.prompts[t.object_prompt].text, t.word_wins ? "" : " (higher)"));
      card.appendChild(row);
      card.addEventListener("click", function (e) {
        if (e.target.tagName === "CANVAS") { self.select(n); self.root.scrollIntoView({ behavior: "smooth" }); }
      });
      container.appendChild(card);
    });
  };

  function start() {
    var root = document.getElementById("saliency-app");
    if (!root) return;
    var index = root.getAttribute("data-index") || "";
    var base;
    try { base = new URL(index, document.baseURI); } catch (e) { return; }
    if (base.origin !== window.location.origin) { root.textContent = "The saliency data must come from this site."; return; }
    root.textContent = "Loading saliency maps\u2026";
    fetchOk(base.href, "json").then(function (data) {
      var mapsUrl = new URL(data.maps.file, base), tokUrl = new URL(data.tokens.file, base);
      return Promise.all([data, fetchOk(mapsUrl.href), fetchOk(tokUrl.href)]);
    }).then(function (res) {
      var data = res[0], maps = new Uint8Array(res[1]), tokens = new Uint8Array(res[2]);
      var size = data.grid[0] * data.grid[1];
      if (maps.length !== data.maps.shape[0] * size || tokens.length !== data.tokens.shape[0] * size) {
        throw new Error("map buffers do not match index.json");
      }
      if (!data.images.length) { root.textContent = "No image was analysed."; return; }
      var app = new Saliency(root, data, maps, tokens, base);
      app.render();
      var typo = document.getElementById("saliency-typographic");
      if (typo) app.renderTypographic(typo);
      window.atlasSaliency = app;
    }).catch(function (err) {
      root.textContent = "Could not load the saliency maps (" + err.message + "). Serve the site over HTTP; browsers refuse fetch() from file:// pages.";
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
