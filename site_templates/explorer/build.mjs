// Bundle the explorer and the docs pages' scripts (src/pages/) with esbuild.
//   node build.mjs OUTDIR    minified bundles into OUTDIR (the Python builder calls this)
//   node build.mjs --debug   unminified with source maps into dist/ (for development)
// One place for the bundle options. regl's "unchecked" build drops its development-time
// argument checks (about 25 kB).
//
// "Ask the model" (src/ask/): the worker is a second, ES-module bundle (ask-worker.js) holding
// onnxruntime-web's WebAssembly build, and ort's .wasm file is copied beside it into ort/, so the
// site serves the runtime itself (no CDN). Only the single-threaded use of that file is made:
// threads need SharedArrayBuffer, i.e. COOP/COEP headers, which GitHub Pages does not send.
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const debug = process.argv.includes("--debug");
const outdir = process.argv.slice(2).find((a) => !a.startsWith("--")) || "dist";

// Output name -> source. A script's imported CSS lands beside it (pages/saliency.css). The
// Python builder serves pages/<name>.{js,css} to the docs page that names them.
export const ENTRY_POINTS = {
  app: "src/main.js",
  "load-worker": "src/data/load-worker.js", // a classic worker: the first frame's downloads (src/data/global-view.js)
  "pages/saliency": "src/pages/saliency.js",
  "pages/neurons": "src/pages/neurons.js",
  "pages/tablesort": "src/pages/tablesort.js",
  "pages/explorer-embed": "src/pages/explorer-embed.js",
};

await esbuild.build({
  entryPoints: ENTRY_POINTS,
  outdir,
  bundle: true,
  minify: !debug,
  sourcemap: debug,
  format: "iife",
  target: "es2020",
  loader: { ".glsl": "text" },
  alias: debug ? {} : { regl: "regl/dist/regl.unchecked.js" },
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
});

await esbuild.build({
  entryPoints: { "ask-worker": "src/ask/worker.js" },
  outdir,
  bundle: true,
  minify: !debug,
  sourcemap: debug,
  format: "esm",
  target: "es2020",
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
});
export const ORT_WASM = "ort-wasm-simd-threaded.wasm";
mkdirSync(join(outdir, "ort"), { recursive: true });
copyFileSync(join("node_modules", "onnxruntime-web", "dist", ORT_WASM), join(outdir, "ort", ORT_WASM));
