/*
 * What text may travel: every string that reaches SNS (message body and attributes), SQS, a
 * DynamoDB key or an HTTP header must be well-formed Unicode. A lone UTF-16 surrogate makes the
 * AWS SDK throw URIError on every publish of the event that carries it; U+FFFE/U+FFFF are refused by
 * SQS. Input from callers is refused (422); text from TwelveLabs is repaired (U+FFFD), since a
 * response cannot be sent back.
 */

/** A noncharacter: U+FDD0..U+FDEF, or the last two code points of any plane (U+xFFFE, U+xFFFF). */
function isNoncharacter(cp: number): boolean {
  return (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe;
}

/** C0 and C1 controls and DEL. */
function isControl(cp: number): boolean {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/** Well-formed (no lone surrogate), no noncharacter, no control character. */
export function isCleanText(s: string): boolean {
  if (!s.isWellFormed()) return false;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (isNoncharacter(cp) || isControl(cp)) return false;
  }
  return true;
}

/** Visible ASCII and spaces only (0x20-0x7E): what an HTTP header value may carry everywhere. */
export function isPrintableAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/**
 * Text from outside made safe to carry: lone surrogates, noncharacters and controls other than tab
 * and newline become U+FFFD.
 */
export function cleanText(s: string): string {
  let out = "";
  for (const ch of s.toWellFormed()) {
    const cp = ch.codePointAt(0) as number;
    out += isNoncharacter(cp) || (isControl(cp) && ch !== "\n" && ch !== "\t") ? "\ufffd" : ch;
  }
  return out;
}

/**
 * A URL without what may be secret in it: the query (a presigned URL's signature and session
 * token), the fragment and any credentials. Undefined when it is not a URL at all.
 */
export function urlWithoutSecrets(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return undefined;
  }
  u.username = "";
  u.password = "";
  u.search = "";
  u.hash = "";
  return u.toString();
}

/**
 * JSON text every AWS service takes: JSON.stringify escapes controls and lone surrogates already;
 * U+FFFE and U+FFFF (which SQS and SNS refuse raw) are escaped too. The same value, parsed.
 */
export function jsonForAws(value: unknown): string {
  return JSON.stringify(value).replace(/[\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}
