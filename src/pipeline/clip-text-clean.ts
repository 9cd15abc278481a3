// The text fixes CLIP's tokenizer applies before BPE (ftfy's defaults that change ids, and HTML entities).

const LIGATURES: Record<string, string> = {
  'Ĳ': 'IJ', 'ĳ': 'ij', 'ŉ': "ʼn", 'Ǳ': 'DZ', 'ǲ': 'Dz', 'ǳ': 'dz', 'Ǆ': 'DŽ', 'ǅ': 'Dž', 'ǆ': 'dž', 'Ǉ': 'LJ',
  'ǈ': 'Lj', 'ǉ': 'lj', 'Ǌ': 'NJ', 'ǋ': 'Nj', 'ǌ': 'nj', 'ﬀ': 'ff', 'ﬁ': 'fi', 'ﬂ': 'fl', 'ﬃ': 'ffi', 'ﬄ': 'ffl',
  'ﬅ': 'ſt', 'ﬆ': 'st',
};

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™', hellip: '…',
  mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', deg: '°',
  times: '×', divide: '÷', euro: '€', pound: '£', yen: '¥', cent: '¢', sect: '§', para: '¶', middot: '·', bull: '•',
};

/** ftfy's unescape_html: one pass over `&name;`, `&#NN;` and `&#xNN;` entities. */
function unescapeHtml(text: string): string {
  return text.replace(/&#?[0-9A-Za-z]{1,24};/g, (m) => {
    const body = m.slice(1, -1);
    if (body.startsWith('#x') || body.startsWith('#X')) {
      const code = parseInt(body.slice(2), 16);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    if (body.startsWith('#')) {
      const code = parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return NAMED_ENTITIES[body] ?? NAMED_ENTITIES[body.toLowerCase()] ?? m;
  });
}

/** ftfy's fix_character_width: fullwidth ASCII forms → ASCII, the ideographic space → a space. */
function fixCharacterWidth(text: string): string {
  return text.replace(/[\u3000\uff01-\uffef]/g, (ch) => {
    if (ch === '\u3000') return ' ';
    const n = ch.normalize('NFKC');
    return n.length === 1 ? n : ch;
  });
}

/** ftfy.fix_text's defaults that matter for CLIP prompts, in ftfy's order. */
export function clipCleanText(text: string): string {
  let t = unescapeHtml(text);
  t = t.replace(/[\u0132\u0133\u0149\u01f1-\u01f3\u01c4-\u01cc\ufb00-\ufb06]/g, (ch) => LIGATURES[ch] ?? ch);
  t = fixCharacterWidth(t);
  t = t.replace(/[\u02bc\u2018-\u201b]/g, "'").replace(/[\u201c-\u201f]/g, '"');
  t = t.replace(/\r\n|\r|\u2028|\u2029|\u0085/g, '\n');
  return t.normalize('NFC');
}
