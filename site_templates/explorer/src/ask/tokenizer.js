/**
 * The model's tokenizer in the browser: token ids identical to open_clip's SimpleTokenizer.
 *
 *     const tok = createClipTokenizer(tokenizerJson, browserModel.tokenizer, contextLength);
 *     tok.encode("a red star")        -> Int32Array(contextLength): sot, ids..., eot, 0...
 *     tok.encodeBatch(texts)          -> BigInt64Array(texts.length * contextLength)
 *
 * The BPE is Hugging Face's tokenizers.js (npm @huggingface/tokenizers) reading the
 * tokenizer.json the builder writes (manifest `tokenizer.kind` "clip-bpe"); what open_clip does
 * around it is here: its cleaning (clean.js), its special tokens typed as text, and truncation
 * to the context length with the last id replaced by end-of-text, then padding.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { cleanText } from './clean.js';

const SPECIAL = /<start_of_text>|<end_of_text>/g;

/** `spec`: the manifest's browser_model.tokenizer ({sot, eot, pad}). */
export function createClipTokenizer(json, spec, contextLength) {
  if (!json || !json.model) throw new Error('tokenizer.json is not a tokenizers file (no "model")');
  if (!(contextLength > 1)) throw new Error(`invalid context length ${contextLength}`);
  // The file's BPE and pre-tokenizer, not its normalizer: cleanText does open_clip's cleaning in
  // open_clip's order (ftfy, then HTML entities), which a normalizer cannot.
  const tok = new Tokenizer({ ...json, normalizer: null }, {});
  const sot = Number(spec.sot), eot = Number(spec.eot), pad = Number(spec.pad || 0);
  const bpe = (piece) => (piece.trim() ? tok.encode(piece, { add_special_tokens: false }).ids : []);

  /** The ids of `text` between sot and eot, before truncation. */
  function ids(text) {
    const clean = cleanText(text);
    const out = [];
    let last = 0;
    // open_clip's pattern matches its special tokens first, so typed ones keep their ids
    for (const m of clean.matchAll(SPECIAL)) {
      out.push(...bpe(clean.slice(last, m.index)), m[0] === '<start_of_text>' ? sot : eot);
      last = m.index + m[0].length;
    }
    out.push(...bpe(clean.slice(last)));
    return out;
  }

  function encode(text) {
    let all = [sot, ...ids(text), eot];
    if (all.length > contextLength) {
      all = all.slice(0, contextLength);
      all[contextLength - 1] = eot;
    }
    const row = new Int32Array(contextLength).fill(pad);
    row.set(all);
    return row;
  }

  function encodeBatch(texts) {
    const out = new BigInt64Array(texts.length * contextLength);
    texts.forEach((t, i) => encode(t).forEach((v, j) => { out[i * contextLength + j] = BigInt(v); }));
    return out;
  }

  return { encode, encodeBatch, ids, contextLength };
}
