// A user's search text as a PostgreSQL tsquery over agents.search, the counterpart of ftsQuery (FTS5): every
// word must appear, as a prefix; words are folded as search_words() folds the indexed text.
/** The tsquery text, bound as a parameter and cast ($1::tsquery), or null when the text has no word. */
export function tsQuery(text: string): string | null {
  // FTS5's unicode61 splits at '_' too: 'helpdesk_agent' is two words there and here.
  const words = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return null;
  return words
    .slice(0, 16)
    .map((word) => `'${word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()}':*`)
    .join(' & ');
}
