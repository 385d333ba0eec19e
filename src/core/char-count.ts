/**
 * Whether a text holds more than `max` characters, counted as the request schemas count them: by code point, so
 * an emoji (two UTF-16 units) is one character. Cheap for the usual text: a string of `max` units or fewer cannot
 * hold more than `max` code points.
 */
export function longerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let count = 0;
  for (const _ of text) if (++count > max) return true;
  return false;
}

/** The first `max` characters of a text, counted as `longerThan` counts them: an emoji is never cut in two. */
export function firstChars(text: string, max: number): string {
  if (!longerThan(text, max)) return text;
  let out = '';
  let count = 0;
  for (const ch of text) {
    if (++count > max) break;
    out += ch;
  }
  return out;
}
