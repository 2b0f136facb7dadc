"""The explorer's tokenizer (site_templates/explorer/src/ask/tokenizer.js, run by node) gives
open_clip's token ids, on every caption of a demo world plus unicode, emoji, HTML, whitespace
oddities, typed special tokens and texts longer than the context length.

The expected ids come from open_clip itself at test time; the tokenizer file is the one the
builder writes (builder.browser_model.tokenizer). Texts that ftfy would repair as mojibake
(`ftfy.fix_encoding` changes them) are left out and counted: the browser does not repeat that
repair (see src/ask/clean.js)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import ftfy
import pytest

from builder.browser_model.tokenizer import tokenizer_json
from builder.datasets.demo import label_prompts, render_item
from builder.models.demo import create_demo_model

ROOT = Path(__file__).resolve().parent.parent
EXPLORER = ROOT / "site_templates" / "explorer"
DEMO_ITEMS = 800  # 1,600 captions (a --demo-size 800 build)

UNICODE = [
    "café crème brûlée", "cafe\u0301 (decomposed)", "naïve Zoë São Paulo", "Ελληνικά ΣΟΦΟΣ σοφος", "русский текст",
    "日本語のテキスト", "中文字符 测试", "한국어 문장", "العربية نص", "עברית", "हिन्दी पाठ", "ไทย", "İstanbul ıi",
    "straße STRASSE", "ﬁne ﬂour ﬀ ﬃ ﬄ ﬅ ﬆ Ĳssel ǅ", "ＡＢＣ　ｄｅｆ　１２３！", "ｶﾀｶﾅ ﾊﾝｶｸ", "‘single’ “double” ‚low„ ‛rev‟",
    "it’s they’re we’ll I’m you’ve she’d", "prime′ double″", "ʼn ŉ", "a\u00a0b\u2009c\u202fd", "zero\u200bwidth\u200cjoin\u200d",
    "rtl\u200fmark\u202eover", "bom\ufeffhere", "obj\ufffcrep", "x\u206ay", "𝒥ohn ℋancock 𝔘𝔫𝔦", "½ ² ³ µ Å Ω ™ №",
]
EMOJI = ["😀", "a red star ⭐", "🌟✨💫", "👍🏽 👩‍💻 👨‍👩‍👧‍👦", "🇫🇷🇯🇵", "❤️ ♥", "🟥 red square 🟦", "🐱🐶", "1️⃣ #️⃣", "emoji😀inside"]
HTML = [
    "<b>red</b> star", "<a href='x'>link</a>", "&amp; &lt;b&gt; &quot;q&quot; &#39;s", "&amp;amp; twice", "&amp;amp;amp; thrice",
    "&eacute;t&eacute; &EACUTE;", "&notit; &not; &amp", "&#65;&#x42;&#X43;", "&#0; &#128; &#150; &#x110000; &#xD800;",
    "&#1; &#11; &#x7f; &#xfdd0;", "&nbsp;nbsp&nbsp;", "&copy 2024 &reg;", "&unknownentity; & alone &;", "&#8220;curly&#8221;",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "a &lt; b &gt; c", "&#x1F600; &#128512;",
]
WHITESPACE = [
    "  leading and trailing  ", "tabs\tand\nnewlines\r\nand\rreturns", "many     spaces", "\u2028line\u2029para",
    "ideographic\u3000space", "\x85next line", "\x1cfile\x1dgroup\x1erecord\x1funit", "\vvertical\ftab", "",
    " ", "\n\n\t", "ansi \x1b[36;44mblue\x1b[0m text", "bell\x07 null\x00 del\x7f", "c1 \x80 \x93quoted\x94 \x9f",
]
SPECIAL = ["<start_of_text>", "a <end_of_text> b", "<START_OF_TEXT>x", "<end_of_text><end_of_text>", "<start_of_text"]
MISC = ["3.14159", "1,000,000", "2024-01-01", "it's IT'S It'S", "don't won't", "'s 't 're", "C++ & C#", "user@example.com",
        "https://example.com/a?b=c", "!!!???...", "---", "a" * 40, "supercalifragilisticexpialidocious", "RED STAR"]


def _demo_captions() -> list[str]:
    out = []
    for i in range(DEMO_ITEMS):
        out.extend(render_item(0, i, 32)[1]["captions"])
    return out


def _random_mixes(pool: list[str], n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(pool) for _ in range(rng.randint(2, 6))) for _ in range(n)]


def parity_texts() -> list[str]:
    captions = _demo_captions()
    prompts = [p for values in label_prompts().values() for ps in values.values() for p in ps]
    odd = UNICODE + EMOJI + HTML + WHITESPACE + SPECIAL + MISC
    long = [" ".join(captions[i:i + 6]) for i in range(0, 120, 6)] + ["word " * 100, "😀" * 50, "&amp;" * 60]
    return captions + prompts + odd + long + _random_mixes(odd + captions[:50], 700)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed to run the explorer's tokenizer")
def test_js_tokenizer_ids_equal_open_clip(tmp_path):
    import open_clip

    tok = create_demo_model(weights=False)[2]  # the demo model's own tokenizer (context length 32)
    texts = parity_texts()
    mojibake = [t for t in texts if ftfy.fix_encoding(t) != t]
    texts = [t for t in texts if t not in mojibake]
    assert len(texts) >= 2000 and len(mojibake) <= 40, (len(texts), mojibake)  # the C1-control strings and their mixes
    (tmp_path / "tokenizer.json").write_bytes(tokenizer_json(open_clip.tokenizer.default_bpe()))
    job = {"tokenizer": str(tmp_path / "tokenizer.json"), "context_length": tok.context_length,
           "spec": {"sot": tok.sot_token_id, "eot": tok.eot_token_id, "pad": 0}, "texts": texts}
    (tmp_path / "in.json").write_text(json.dumps(job))
    done = subprocess.run(["node", "scripts/tokenize.mjs", str(tmp_path / "in.json"), str(tmp_path / "out.json")],
                          cwd=EXPLORER, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    got = json.loads((tmp_path / "out.json").read_text())
    want = tok(texts).tolist()
    wrong = [(t, g, w) for t, g, w in zip(texts, got, want) if g != w]
    print(f"{len(texts)} texts, {len(wrong)} differ, {len(mojibake)} left out as mojibake; {done.stdout.strip()}")
    assert not wrong, f"{len(wrong)} of {len(texts)} differ: {[t for t, _, _ in wrong[:20]]}"


def test_parity_texts_cover_the_kinds_asked_for():
    texts = parity_texts()
    assert len(texts) >= 2000
    assert sum(len(t) > 200 for t in texts) >= 3  # longer than 32 tokens for sure
    assert any("&amp;" in t for t in texts) and any("😀" in t for t in texts) and any("\t" in t for t in texts)
