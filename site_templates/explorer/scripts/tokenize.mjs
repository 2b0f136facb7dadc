// Token ids of many texts by the explorer's tokenizer (src/ask/tokenizer.js), for the parity
// test against open_clip (tests/test_ask_tokenizer.py).
//   node scripts/tokenize.mjs IN.json OUT.json
//   IN: {"tokenizer": "path/to/tokenizer.json", "spec": {sot, eot, pad}, "context_length": n, "texts": [..]}
//   OUT: [[ids of text 0], ...] (context_length ids each)
import { readFileSync, writeFileSync } from 'node:fs';
import { createClipTokenizer } from '../src/ask/tokenizer.js';

const [input, output] = process.argv.slice(2);
const job = JSON.parse(readFileSync(input, 'utf8'));
const tok = createClipTokenizer(JSON.parse(readFileSync(job.tokenizer, 'utf8')), job.spec, job.context_length);
const t0 = performance.now();
const rows = job.texts.map((t) => Array.from(tok.encode(t)));
const ms = performance.now() - t0;
writeFileSync(output, JSON.stringify(rows));
console.log(`tokenized ${rows.length} texts in ${ms.toFixed(0)} ms`);
