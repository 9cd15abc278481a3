// An encoded image's texts, PNG or JPEG alike: written as PNG text chunks or EXIF UserComment + COM, read back bounded.
import { isJpeg, readJpegText, withJpegText } from './jpeg-text';
import { isPng, readPngText, withPngText } from './png-text';

/** The A1111 infotext keyword: a PNG `parameters` chunk, or a JPEG's EXIF UserComment. */
export const PARAMETERS_KEYWORD = 'parameters';

export interface ImageTexts {
  format: 'png' | 'jpeg';
  /** Keyword → text; the first chunk of a keyword wins. */
  texts: Record<string, string>;
  /** Keywords of compressed chunks this platform could not inflate. */
  unreadable: string[];
}

/**
 * The image with the texts in it: PNG text chunks; in a JPEG, `parameters` as the EXIF UserComment (where A1111
 * and Civitai look) and every other keyword as a COM segment. `skipped` names what did not fit.
 */
export function withImageTexts(bytes: Uint8Array, texts: Record<string, string>): { bytes: Uint8Array; skipped: string[] } {
  if (isPng(bytes)) return { bytes: withPngText(bytes, Object.entries(texts).map(([keyword, text]) => ({ keyword, text }))), skipped: [] };
  if (isJpeg(bytes)) {
    const { [PARAMETERS_KEYWORD]: comment, ...rest } = texts;
    return withJpegText(bytes, comment, rest);
  }
  throw new Error('only PNG and JPEG images carry texts here');
}

/** The texts of a PNG or JPEG; undefined for other formats. Throws on a broken or hostile file. */
export async function readImageTexts(bytes: Uint8Array): Promise<ImageTexts | undefined> {
  if (isPng(bytes)) {
    // Null-prototype map: keywords come from the file ("__proto__" is just a keyword).
    const out: ImageTexts = { format: 'png', texts: Object.create(null) as Record<string, string>, unreadable: [] };
    for (const t of await readPngText(bytes)) {
      if (t.compressed) out.unreadable.push(t.keyword);
      else if (!(t.keyword in out.texts)) out.texts[t.keyword] = t.text;
    }
    return out;
  }
  if (isJpeg(bytes)) {
    const { userComment, comments } = readJpegText(bytes);
    const texts = Object.assign(Object.create(null) as Record<string, string>, comments);
    if (userComment !== undefined) texts[PARAMETERS_KEYWORD] = userComment;
    return { format: 'jpeg', texts, unreadable: [] };
  }
  return undefined;
}
