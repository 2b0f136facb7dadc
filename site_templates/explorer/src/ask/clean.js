/**
 * Text cleaning exactly as open_clip's SimpleTokenizer does before BPE (clean="lower"):
 *
 *     whitespace_clean(basic_clean(text)).lower()
 *     basic_clean(t)      = html.unescape(html.unescape(ftfy.fix_text(t))).strip()
 *     whitespace_clean(t) = " ".join(t.split())
 *
 * ftfy.fix_text is reproduced for what it does to text that is not mojibake: C1 controls read
 * as Windows-1252, Latin ligatures split, halfwidth / fullwidth forms to normal width, curly
 * quotes straightened, line breaks unified, terminal colour escapes and invisible control
 * characters removed, NFC, and (in text without "<") HTML entities ending in ";", capitalised
 * ones such as "&EACUTE;" too; repeated until nothing changes, as ftfy does. Not reproduced: its
 * mojibake repair (fix_encoding: text such as "cafÃ©", UTF-8 read as Latin-1). Python's
 * html.unescape is ported with its own tables, as are ftfy's (html-entities.json, made by
 * scripts/gen_html_entities.py). Pure functions, unit-tested.
 */
import TABLES from './html-entities.json' with { type: 'json' };

const NAMED = TABLES.named;
const INVALID_REFS = TABLES.invalid_charrefs;
const INVALID_CODEPOINTS = new Set(TABLES.invalid_codepoints);
const FTFY_UPPER = TABLES.ftfy_upper;
const has = (table, key) => Object.prototype.hasOwnProperty.call(table, key);

// Python's str.isspace() set (str.split() and str.strip() without arguments).
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPACES = new RegExp(`[${PY_SPACE}]+`, 'g');
const EDGES = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

function replaceCharref(match, s) {
  if (s[0] === '#') {
    const hex = s[1] === 'x' || s[1] === 'X';
    const digits = s.slice(hex ? 2 : 1).replace(/;$/, '');
    const num = parseInt(digits, hex ? 16 : 10);
    if (String(num) in INVALID_REFS && num < 0x100) return INVALID_REFS[String(num)];
    if ((num >= 0xd800 && num <= 0xdfff) || !(num <= 0x10ffff)) return '\ufffd';
    if (INVALID_CODEPOINTS.has(num)) return '';
    return String.fromCodePoint(num);
  }
  if (has(NAMED, s)) return NAMED[s];
  // the longest known entity that prefixes s (entities such as "&amp" need no semicolon)
  for (let x = s.length - 1; x > 1; x--) {
    const head = s.slice(0, x);
    if (has(NAMED, head)) return NAMED[head] + s.slice(x);
  }
  return '&' + s;
}

/** Python's html.unescape. */
export function htmlUnescape(text) {
  return text.includes('&') ? text.replace(CHARREF, replaceCharref) : text;
}

const LIGATURES = {
  'Ĳ': 'IJ', 'ĳ': 'ij', 'ŉ': 'ʼn', 'Ǳ': 'DZ', 'ǲ': 'Dz', 'ǳ': 'dz', 'Ǆ': 'DŽ', 'ǅ': 'Dž', 'ǆ': 'dž',
  'Ǉ': 'LJ', 'ǈ': 'Lj', 'ǉ': 'lj', 'Ǌ': 'NJ', 'ǋ': 'Nj', 'ǌ': 'nj',
  'ﬀ': 'ff', 'ﬁ': 'fi', 'ﬂ': 'fl', 'ﬃ': 'ffi', 'ﬄ': 'ffl', 'ﬅ': 'ſt', 'ﬆ': 'st',
};
const LIGATURE_RE = new RegExp(`[${Object.keys(LIGATURES).join('')}]`, 'g');
const WIDTH_RE = /[\u3000\uff01-\uffef]/g;
const widthOf = (ch) => (ch === '\u3000' ? ' ' : ch.normalize('NFKC'));
const C1_RE = /[\x80-\x9f]/g;
const CP1252 = new TextDecoder('windows-1252');
const c1Of = (ch) => CP1252.decode(new Uint8Array([ch.charCodeAt(0)]));
const ANSI_RE = /\x1b\[((?:\d|;)*)([a-zA-Z])/g;
const CONTROL_RE = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;

// ftfy's unescape_html: whole entities only; numeric ones only when they decode completely
const FTFY_ENTITY = /&#?[0-9A-Za-z]{1,24};/g;
function ftfyEntity(entity) {
  const name = entity.slice(1);
  if (has(NAMED, name)) return NAMED[name];
  if (has(FTFY_UPPER, name)) return FTFY_UPPER[name];
  if (entity.startsWith('&#')) {
    const decoded = htmlUnescape(entity);
    return decoded.includes(';') ? entity : decoded;
  }
  return entity;
}

/** ftfy.fix_text for text that is not mojibake (see the module comment). */
export function fixText(text) {
  const entities = !text.includes('<'); // ftfy's unescape_html="auto"
  for (;;) {
    const before = text;
    if (entities) text = text.replace(FTFY_ENTITY, ftfyEntity);
    text = text.replace(C1_RE, c1Of)
      .replace(LIGATURE_RE, (ch) => LIGATURES[ch])
      .replace(WIDTH_RE, widthOf)
      .replace(/[\u201c-\u201f]/g, '"')
      .replace(/[\u02bc\u2018-\u201b]/g, "'")
      .replace(/\r\n|[\r\u2028\u2029\x85]/g, '\n');
    text = (text.toWellFormed ? text.toWellFormed() : text)
      .replace(ANSI_RE, '')
      .replace(CONTROL_RE, '')
      .normalize('NFC');
    if (text === before) return text;
  }
}

/** open_clip's clean="lower": what the BPE sees. */
export function cleanText(text) {
  const basic = htmlUnescape(htmlUnescape(fixText(String(text)))).replace(EDGES, '');
  return basic.split(SPACES).filter((w) => w !== '').join(' ').toLowerCase();
}
