"""open_clip's CLIP BPE tokenizer as a HuggingFace `tokenizers` tokenizer.json (a format that a
maintained library reads in Python and in JavaScript), built from open_clip's own merges file.

What open_clip does to a text, and where each step lives here:
  ftfy.fix_text          the parts a browser can repeat: NFC, curly quotes -> straight, Latin
                         ligatures and full-width forms -> plain letters, control characters
                         removed (the tokenizer.json normalizer); mojibake repair is not repeated
  html.unescape x 2      NOT in tokenizer.json (tokenizers has no such step): the caller does it
                         first (`clean_text`; manifest tokenizer.html_unescape = 2)
  whitespace, strip,     the tokenizer.json normalizer
  lower-case
  split, byte-level, BPE the pre-tokenizer and model, with "</w>" ending each word
  <start_of_text> ... <end_of_text>, cut at context_length (the last id then <end_of_text>),
  padded with 0           `encode_ids` (manifest: sot, eot, pad, context_length)
"""

from __future__ import annotations

import gzip
import html
import json

SPLIT = r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
SOT, EOT = "<start_of_text>", "<end_of_text>"
QUOTES = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"',
          "\u201e": '"', "\u201f": '"', "\u2032": "'", "\u2033": '"'}
LIGATURES = {"\u0132": "IJ", "\u0133": "ij", "\u01c7": "LJ", "\u01c8": "Lj", "\u01c9": "lj", "\u01ca": "NJ",
             "\u01cb": "Nj", "\u01cc": "nj", "\u01f1": "DZ", "\u01f2": "Dz", "\u01f3": "dz", "\ufb00": "ff",
             "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "\u017ft", "\ufb06": "st"}
# ftfy's remove_control_chars (tab, newline, form feed and carriage return stay: they are whitespace)
CONTROL = "[\\x{0}-\\x{8}\\x{b}\\x{e}-\\x{1f}\\x{7f}\\x{206a}-\\x{206f}\\x{feff}\\x{fff9}-\\x{fffc}]"


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character table (the same one open_clip uses)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def vocab_and_merges(bpe_path: str) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """open_clip SimpleTokenizer's vocabulary and merges, read from its bpe_simple_vocab_16e6.txt.gz."""
    lines = gzip.open(bpe_path).read().decode("utf-8").split("\n")
    merges = [tuple(m.split()) for m in lines[1 : 49152 - 256 - 2 + 1]]
    chars = list(bytes_to_unicode().values())
    vocab = chars + [c + "</w>" for c in chars] + ["".join(m) for m in merges] + [SOT, EOT]
    return {t: i for i, t in enumerate(vocab)}, merges


def _width_map() -> dict[str, str]:
    """Full-width ASCII forms -> ASCII, ideographic space -> space (ftfy's fix_character_width)."""
    out = {chr(0xFF01 + i): chr(0x21 + i) for i in range(0x5E)}
    out["\u3000"] = " "
    return out


def build_tokenizer(bpe_path: str):
    """A `tokenizers.Tokenizer` whose ids equal open_clip's for text that went through `clean_text`."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

    vocab, merges = vocab_and_merges(bpe_path)
    tok = Tokenizer(models.BPE(vocab, merges, continuing_subword_prefix="", end_of_word_suffix="</w>",
                               unk_token=None, fuse_unk=False))
    replace = [normalizers.Replace(a, b) for a, b in {**QUOTES, **LIGATURES, **_width_map()}.items()]
    tok.normalizer = normalizers.Sequence([
        normalizers.NFC(), *replace, normalizers.Replace(Regex(CONTROL), ""),
        normalizers.Replace(Regex(r"\s+"), " "), normalizers.Strip(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(SPLIT), behavior="removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(SOT, special=True, normalized=True), AddedToken(EOT, special=True, normalized=True)])
    return tok


def tokenizer_json(bpe_path: str) -> bytes:
    """tokenizer.json, compact and deterministic."""
    data = json.loads(build_tokenizer(bpe_path).to_str())
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def clean_text(text: str) -> str:
    """The step tokenizer.json cannot do: open_clip unescapes HTML entities twice."""
    return html.unescape(html.unescape(text))


def encode_ids(tok, texts: list[str], context_length: int, sot: int, eot: int, pad: int = 0) -> list[list[int]]:
    """open_clip's token rows: [sot] + ids + [eot], cut at context_length (last id -> eot), padded."""
    rows = []
    for enc in tok.encode_batch([clean_text(t) for t in texts], add_special_tokens=False):
        ids = [sot] + list(enc.ids) + [eot]
        if len(ids) > context_length:
            ids = ids[:context_length]
            ids[-1] = eot
        rows.append(ids + [pad] * (context_length - len(ids)))
    return rows
