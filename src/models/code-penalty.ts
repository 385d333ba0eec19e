/** Marks prose almost never holds and code and configuration often do: they count three times. */
const CODE_MARKS = /[{}[\]<>=;|#`\\$]/g;

/**
 * A name written inline in prose: a setting's path (`auth.apiKeys`), a route (`/v1/documents/:id`), an address
 * (`127.0.0.1:3000`), a file, a hyphenated or snake-case word, and a placeholder (`<key>`). Its dots, slashes and
 * brackets belong to the name: counted as punctuation they put "With auth.apiKeys set, every /v1/ route needs
 * Authorization: Bearer <key>" below a sentence that only mentions keys.
 */
const INLINE_NAME = /<[\p{L}_][\p{L}\p{N}_.-]*>|\/?[\p{L}\p{N}_]+(?:[._:/@-]+[\p{L}\p{N}_]+)+\/?/gu;

/**
 * How much a sentence reads as code: prose has a few percent punctuation, code and markup far more, and they make
 * poor answers, so they rank lower. The punctuation within inline names does not count, what joins them does
 * (braces, `=`, quotes and `;` around `{ enabled: true }` or `const x = f('a');`).
 */
export function codePenalty(text: string): number {
  const prose = text.replace(INLINE_NAME, (name) => name.replace(/[^\p{L}\p{N}]/gu, 'x'));
  const symbols = prose.replace(/[\s\p{L}\p{N}]/gu, '').length + 2 * (prose.match(CODE_MARKS)?.length ?? 0);
  return Math.max(0, symbols / Math.max(1, text.length) - 0.08);
}
