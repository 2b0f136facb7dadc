"""The build: collect -> embed -> metrics -> kNN -> UMAP -> local views -> clusters -> render.

Each stage is timed and, where it does model or heavy work, cached by content; the build report
records both. Everything is written into a staging folder that replaces the output folder only
when the whole build succeeded (`builder.io.output.staging_folder`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from builder import contract
from builder.analyses import registry as analyses
from builder.analyses import AnalysisContext, AnalysisOutput
from builder.clock import StageClock, reuse_note
from builder.progress import progress_bar
from builder.public_paths import PublicPaths
from builder.compute import clusters, local_views, metrics, neighbours, projection
from builder.compute.embed import encode_image_batch, encode_texts
from builder.config import Config
from builder.datasets import collect
from builder.io.cache import Cache, default_cache_dir, hash_arrays, hash_json, text_key
from builder.io.image_dataset import ImageFiles, image_loader, stop_workers
from builder.io.images import file_sha256
from builder.models.loading import LoadedModel, check_model_files, load_model
from builder.models.registry import resolve
from builder.records import Collection, Issue
from builder.report import make_report, no_usable_item, public_paths
from builder.signals import reraise

SAVE_EVERY = 512  # images embedded between two cache saves


from builder.errors import BuildError  # noqa: E402,F401 (re-exported)


@dataclass
class Build:
    """State shared by the stages of one build."""

    cfg: Config
    cache: Cache
    progress: bool = True
    log: object = print
    metrics: dict = field(default_factory=dict)
    clock: StageClock = None
    public: PublicPaths = field(default_factory=lambda: PublicPaths([]))  # paths as the report shows them

    def __post_init__(self) -> None:
        self.clock = self.clock or StageClock(self.log)

    def stage(self, name: str):
        return self.clock.stage(name)

    @property
    def stages(self) -> list[dict]:
        return self.clock.stages

    def bar(self, total: int, desc: str):
        return progress_bar(total=total, desc=desc, progress=self.progress)


# -- stages ---------------------------------------------------------------------------------------

def embed_images(b: Build, lm: LoadedModel, col: Collection, entry: dict) -> tuple[np.ndarray, np.ndarray]:
    """Image embeddings float32[I, D] and thumbnails uint8[I, t, t, 3]; decodes only what the
    cache lacks (entry "computed" of "total", and a "note" saying so), saved every SAVE_EVERY
    images and when interrupted (so a rerun resumes). Unreadable images are removed from `col`
    and reported."""
    t = b.cfg.site.thumb_size
    keys = [file_sha256(r.image) for r in col.records]
    emb_ns, thumb_ns = f"image-embedding/{lm.fingerprint}", f"thumbnail/{t}"
    embs = b.cache.load_items(emb_ns, keys)
    thumbs = b.cache.load_items(thumb_ns, keys)
    todo = sorted({i for i, k in enumerate(keys) if k not in embs or k not in thumbs})
    entry.update(cached=not todo, computed=len(todo), total=len(keys), note=reuse_note("images", len(todo), len(keys)))
    bad: dict[int, str] = {}
    if todo:
        ds = ImageFiles([col.records[i].image for i in todo], lm.preprocess, t)
        loader = image_loader(ds, b.cfg.embed.batch_size, b.cfg.embed.workers, lm.device.type == "cuda")
        unsaved: list[str] = []

        def save() -> None:
            if unsaved:
                b.cache.save_items(emb_ns, unsaved, np.stack([embs[k] for k in unsaved]))
                b.cache.save_items(thumb_ns, unsaved, np.stack([thumbs[k] for k in unsaved]))
                unsaved.clear()

        batches = iter(loader)
        try:
            with b.bar(len(todo), "embed images") as bar:
                for idx, tensors, th, errors in batches:
                    for j, err in errors:
                        bad[todo[j]] = err
                    if len(idx):
                        e = encode_image_batch(lm.model, tensors, lm.device)
                        for row, j in enumerate(idx.tolist()):
                            k = keys[todo[j]]
                            embs[k], thumbs[k] = e[row], th[row]
                            unsaved.append(k)
                    bar.update(len(idx) + len(errors))
                    if len(unsaved) >= SAVE_EVERY:
                        save()
        except KeyboardInterrupt as exc:
            stop_workers(batches)
            save()
            done = sum(k in embs and k in thumbs for k in set(keys))
            raise reraise(exc, f"interrupted: {done} of {len(set(keys))} images embedded and cached; "
                               f"run the same command to resume") from None
        save()
    if bad:
        for i in sorted(bad):
            col.issues.append(Issue(col.records[i].id, str(col.records[i].image.name), "skipped", bad[i]))
        keep = [i for i in range(len(col.records)) if i not in bad]
        col.records[:] = [col.records[i] for i in keep]
        keys = [keys[i] for i in keep]
    if not col.records:
        raise no_usable_item(col, "image, none could be decoded")
    return np.stack([embs[k] for k in keys]).astype(np.float32), np.stack([thumbs[k] for k in keys])


def embed_captions(b: Build, lm: LoadedModel, texts: list[str], entry: dict, what: str = "captions") -> np.ndarray:
    """Text embeddings float32[len(texts), D]; only texts the cache lacks are encoded:
    entry["computed"] counts them and entry["total"] the distinct texts (both summed over the
    calls in one stage), entry["note"] says so ("embedded 5 of 84 caption texts (79 from cache)")."""
    ns = f"text-embedding/{lm.fingerprint}"
    keys = [text_key(t) for t in texts]
    found = b.cache.load_items(ns, keys)
    todo = sorted({k: i for i, k in enumerate(keys) if k not in found}.values())
    entry["computed"] = entry.get("computed", 0) + len(todo)
    entry["total"] = entry.get("total", 0) + len(set(keys))
    entry["cached"] = entry["computed"] == 0
    entry["note"] = reuse_note("caption texts" if what == "captions" else "prompts", entry["computed"], entry["total"])
    if todo:
        with b.bar(len(todo), f"embed {what}") as bar:
            new = encode_texts(lm.model, lm.tokenizer, [texts[i] for i in todo], lm.device, progress=bar)
        b.cache.save_items(ns, [keys[i] for i in todo], new)
        for i, e in zip(todo, new):
            found[keys[i]] = e
    if not texts:
        return np.zeros((0, lm.info()["embed_dim"]), dtype=np.float32)
    return np.stack([found[k] for k in keys]).astype(np.float32)


def zero_shot(b: Build, lm: LoadedModel, col: Collection, img_emb: np.ndarray, entry: dict) -> dict:
    """Accuracy per label field, with class embeddings from the dataset's prompts (or a default
    "a photo of a {value}." template)."""
    out = {}
    for f in sorted(col.label_fields()):
        values = list(col.label_counts(f))
        if len(values) < 2:
            continue
        prompts, owner = col.class_prompts(f, values)
        pe = embed_captions(b, lm, prompts, entry, what=f"{f} prompts")
        has = np.array([f in r.labels for r in col.records])
        labels = np.array([values.index(str(r.labels[f])) for r in col.records if f in r.labels])
        scores = metrics.zero_shot_scores(img_emb[has], pe, np.asarray(owner), len(values), col.prompt_rule)
        out[f] = {"accuracy": metrics.top1(scores, labels), "classes": len(values), "images": int(has.sum()),
                  "chance": 1.0 / len(values), "prompts": len(prompts), "rule": col.prompt_rule}
    return out


def zero_shot_inputs(col: Collection) -> list:
    """What the zero-shot figures depend on besides the embeddings: every image's labels and
    each field's class prompts (the metrics stage is cached under their hash)."""
    fields = sorted(col.label_fields())
    prompts = {f: col.class_prompts(f, list(col.label_counts(f))) for f in fields}
    return [[sorted((str(k), str(v)) for k, v in r.labels.items()) for r in col.records], col.prompt_rule, prompts]


def cached_stage(b: Build, name: str, version: int, inputs: list[str], params: dict, entry: dict, compute) -> dict:
    """A core stage's result through the one cache rule (inputs' hashes + parameters + VERSION)."""
    result, entry["cached"] = b.cache.cached(name, version, inputs, params, compute)
    return result


def run_analyses(b: Build, ctx: AnalysisContext) -> dict[str, AnalysisOutput]:
    """Run every enabled analysis as its own timed stage; metrics go to the report."""
    out = {}
    for name in analyses.enabled(b.cfg):
        with b.stage(name) as e:
            out[name] = analyses.run(name, ctx)
            e["cached"] = out[name].cached
        b.metrics[name] = out[name].metrics
    return out


# -- the build ----------------------------------------------------------------------------------

def fail_if_strict(cfg: Config, col: Collection) -> None:
    """Under --strict, the first skipped or repaired item ends the build. The adapters already stop
    at the first bad item in dataset order (decoding each image as they read it, see
    datasets.common.ItemLog), so this catches only what the embed step alone can find."""
    if cfg.strict and col.issues:
        first = col.issues[0]
        raise BuildError(f"--strict: {first.action} item {first.id!r} ({first.source}): {first.reason}")


def compute_all(b: Build) -> dict:
    """Run every compute stage; return the arrays and descriptions the renderer needs."""
    cfg = b.cfg
    spec = resolve(cfg.model, cfg.base_dir)
    check_model_files(spec)  # a missing checkpoint fails before any dataset work
    with b.stage("collect") as e:
        col = collect(cfg, b.cache.root, progress=b.progress)
        e["items"] = col.read
    fail_if_strict(cfg, col)
    if not col.records:
        raise no_usable_item(col)
    with b.stage("model") as e:
        lm = load_model(spec, cfg.embed.device)
    with b.stage("embed-images") as e:
        img_emb, thumbs = embed_images(b, lm, col, e)
    fail_if_strict(cfg, col)
    captions = [c for r in col.records for c in r.captions]
    caption_image = np.array([i for i, r in enumerate(col.records) for _ in r.captions], dtype=np.uint32)
    with b.stage("embed-captions") as e:
        txt_emb = embed_captions(b, lm, captions, e)
    joint = np.concatenate([img_emb, txt_emb]).astype(np.float32)
    emb_hash = hash_arrays(joint)
    with b.stage("metrics") as e:
        def figures() -> dict:
            text_id = metrics.text_ids(captions)
            same, same_text = metrics.retrieval_recall_both(img_emb, txt_emb, caption_image, text_id)
            return {"retrieval": same, "retrieval_same_text": same_text,
                    "caption_texts": {"captions": len(captions), "distinct": int(text_id.max(initial=-1)) + 1,
                                      "shared": metrics.shared_text_captions(text_id, caption_image)},
                    "zero_shot": zero_shot(b, lm, col, img_emb, e)}

        found = cached_stage(b, "metrics", metrics.VERSION, [emb_hash, hash_arrays(caption_image), lm.fingerprint,
                                                            hash_json([captions, zero_shot_inputs(col)])], {}, e, figures)
        by_k = lambda kv: (int(kv[0].rpartition("@")[2]), kv[0])  # noqa: E731  i2t@1, t2i@1, i2t@5, ...
        for key in ("retrieval", "retrieval_same_text"):  # in their order (the cache returns sorted keys)
            b.metrics[key] = dict(sorted(found[key].items(), key=by_k))
        b.metrics["caption_texts"], b.metrics["zero_shot"] = found["caption_texts"], found["zero_shot"]
    used = parameters_used(cfg, len(joint))
    k_local = used["local.k"]["used"]
    kk = max(cfg.projection.n_neighbors, k_local + 1)
    with b.stage("knn") as e:
        knn = cached_stage(b, "knn", neighbours.VERSION, [emb_hash], {"k": kk}, e, lambda: dict(zip(
            ("idx", "dist"), neighbours.exact_knn(joint, kk, lm.device))))
    layouts = project_all(b, joint, knn, emb_hash)
    with b.stage("local-views") as e:
        nb = knn["idx"][:, 1 : k_local + 1]
        local = cached_stage(b, "local", local_views.VERSION, [emb_hash], {"k": k_local}, e, lambda: dict(zip(
            ("xy", "evr"), local_views.local_pca(joint, nb, lm.device))))
    with b.stage("clusters") as e:
        c = cfg.cluster
        cluster_labels = cached_stage(b, "clusters", clusters.VERSION, [emb_hash], {"k": c.n_clusters, "seed": c.seed},
                                      e, lambda: {"labels": clusters.kmeans_clusters(joint, c.n_clusters, c.seed)})["labels"]
    field_name = col.category_field(cfg.site.category_field)
    names, index = col.categories(field_name)
    img_cat = index.astype(np.uint8) if field_name else np.full(len(col.records), 255, np.uint8)
    fields = col.label_codes(contract.MAX_LABEL_FIELDS)
    if len(col.label_fields()) > len(fields):
        b.log(f"note: the explorer colours by the first {len(fields)} label fields; left out: "
              f"{', '.join(col.label_fields()[len(fields):])}")
    analyses_out = run_analyses(b, AnalysisContext(cfg, col, lm, img_emb, txt_emb, captions, caption_image,
                                                   b.cache, b.bar, b.log))
    browser = None
    if cfg.browser_model.enabled:
        from builder.browser_model import stage as browser_stage

        with b.stage("browser-model") as e:
            browser = browser_stage.run(cfg, lm, col, img_emb, txt_emb, captions, b.cache, b.log,
                                        b.metrics.get("saliency"))
            e["cached"] = browser["cached"]
        b.metrics["browser_model"] = browser["metrics"]
    return {
        "analyses": analyses_out, "browser_model": browser,
        "collection": col, "model": public_model_info(lm, b.public), "thumbs": thumbs, "captions": captions,
        "caption_image": caption_image, "layouts": layouts,
        "projection_figures": b.metrics.get("projections", {}), "neighbours": nb.astype(np.uint32),
        "local_dist": knn["dist"][:, 1 : k_local + 1], "local_xy": local["xy"], "local_evr": local["evr"],
        "clusters": cluster_labels, "category_field": field_name, "category_names": names,
        "category": np.concatenate([img_cat, img_cat[caption_image]]),
        "label_fields": [(f, names_f, np.concatenate([codes, codes[caption_image]])) for f, names_f, codes in fields],
        "loaded_model": lm, "img_emb": img_emb, "txt_emb": txt_emb, "parameters": used,
    }


def project_all(b: Build, joint: np.ndarray, knn: dict, emb_hash: str) -> dict[str, np.ndarray]:
    """Every projection in cfg.projection.methods, each its own cached stage, in that order:
    {method: float32[N, 3]}. Each one's trustworthiness (k = 15) goes to
    b.metrics["projections"][method] (UMAP's also to "umap_trustworthiness", as before); t-SNE
    above projection.tsne_max_points points is skipped, and the skip reported there."""
    p = b.cfg.projection
    n = len(joint)
    compute = {
        "umap": (projection.VERSION, {"n_neighbors": p.n_neighbors, "min_dist": p.min_dist, "seed": p.seed},
                 lambda: projection.umap_3d(joint, knn["idx"], knn["dist"], p.n_neighbors, p.min_dist, p.seed)),
        "pca": (projection.PCA_VERSION, {}, lambda: projection.pca_3d(joint)),
        "tsne": (projection.TSNE_VERSION, {"perplexity": p.tsne_perplexity, "seed": p.seed},
                 lambda: projection.tsne_3d(joint, p.tsne_perplexity, p.seed)),
    }
    layouts, figures = {}, b.metrics.setdefault("projections", {})
    for method in dict.fromkeys(p.methods):  # in order, each once
        version, params, fn = compute[method]
        with b.stage(method) as e:
            if method == "tsne" and p.tsne_max_points and n > p.tsne_max_points:
                reason = (f"skipped: {n:,} points > projection.tsne_max_points = {p.tsne_max_points:,} "
                          f"(3D t-SNE runs its Barnes-Hut method, minutes at this size)")
                e.update(cached=False, note=reason)
                figures[method] = {"label": projection.LABELS[method], "skipped": reason}
                b.log(f"note: t-SNE {reason}")
                continue
            pos = cached_stage(b, method, version, [emb_hash], params, e, lambda: {"pos": fn()})["pos"]
            tw = cached_stage(b, "trustworthiness", projection.VERSION, [emb_hash, hash_arrays(pos)],
                              {"k": 15, "seed": p.seed}, {},
                              lambda: {"t": projection.trustworthiness(joint, pos, k=15, seed=p.seed)})["t"]
        layouts[method] = pos
        figures[method] = {"label": projection.LABELS[method], "trustworthiness": tw, "params": params}
        if method == "umap":
            b.metrics["umap_trustworthiness"] = tw
    if not layouts:
        raise BuildError("no projection was built: projection.methods has only t-SNE, and it was skipped "
                         f"({n:,} points > projection.tsne_max_points); add umap or pca, or raise the limit")
    return layouts


def public_model_info(lm: LoadedModel, public) -> dict:
    """lm.info() with a checkpoint's path as the site may show it (relative, or its name)."""
    info = lm.info()
    if lm.spec.source == "checkpoint":
        info["weights_source"] = f"local checkpoint {public.path(lm.spec.weights)}"
    return public.scrub(info)


def parameters_used(cfg: Config, n: int) -> dict:
    """{"section.field": {"used", "requested", "clamped"}} of the parameters capped by the number of
    points `n` (images + captions), as the stages apply them: k of the local views at n - 1, UMAP's
    n_neighbors at n - 1 (see projection.umap_3d), the number of clusters at n."""
    def entry(requested: int, used: int) -> dict:
        return {"used": int(used), "requested": int(requested), "clamped": int(used) != int(requested)}

    k = cfg.local.k
    return {"local.k": entry(k, min(k, n - 1)),
            "projection.n_neighbors": entry(cfg.projection.n_neighbors, min(cfg.projection.n_neighbors, n - 1)),
            "cluster.n_clusters": entry(cfg.cluster.n_clusters, max(1, min(cfg.cluster.n_clusters, n)))}


def build(cfg: Config, out_dir: Path, progress: bool = True, log=print) -> dict:
    """Build the whole site into `out_dir` (replaced atomically); returns the build report.
    Nothing temporary is left outside `out_dir`'s parent, nor there once the build ends."""
    from builder.io.output import prepared

    out = Path(out_dir).absolute()
    try:
        with prepared(out, log):  # before any work: a folder we may not replace fails now
            return _build_into(cfg, out, progress, log)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM (builder.signals), after every cleanup
        raise reraise(exc, str(exc) or f"interrupted; {out_dir} was left as it was") from None


def _build_into(cfg: Config, out: Path, progress: bool, log) -> dict:
    from builder.io.output import staging_folder
    from builder.io.writer import SiteWriter
    from builder.render.assemble import assemble_site
    from builder.render.report_page import fill_stage_times

    cache = Cache(cfg.resolve(cfg.cache_dir) if cfg.cache_dir else default_cache_dir())
    b = Build(cfg, cache, progress, log, public=public_paths(cfg, cache.root))
    started = time.perf_counter()
    torch.manual_seed(0)
    result = compute_all(b)
    report = make_report(cfg, result, b.stages, b.metrics, b.public)
    site = SiteWriter()
    with b.stage("render"):  # the report page is made inside: its time goes in once it has ended
        result["atlas_pages"] = cached_atlas(cache, result["thumbs"])
        assemble_site(site, cfg, result, report, cache.root, pending=("render",))
    fill_stage_times(site.files, report["stages"])
    report["seconds_total"] = round(time.perf_counter() - started, 3)
    site.add_files({"build-report.json": json.dumps(report, indent=1, ensure_ascii=False, default=str)})
    with staging_folder(out) as staging:
        site.write(staging)
    return report


def cached_atlas(cache: Cache, thumbs: np.ndarray) -> list[bytes]:
    """The thumbnails' WebP atlas pages (builder.render.thumbs), cached: encoding them is most of
    a no-op rebuild's work otherwise."""
    from builder.render import thumbs as T

    files, _ = cache.cached_files("atlas", T.VERSION, [hash_arrays(thumbs)], {"cols": T.COLS, "rows": T.ROWS},
                                  lambda: {f"{i:03d}": p for i, p in enumerate(T.atlas_pages(thumbs, T.COLS, T.ROWS))})
    return list(files.values())

