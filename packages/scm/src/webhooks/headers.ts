/** A fetch `Headers` (or anything with `get`), or a record such as Node's `IncomingHttpHeaders`. */
export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Looks a header up by name, ignoring case; an empty value counts as absent. */
export type HeaderReader = (name: string) => string | undefined;

export function headerReader(source: HeaderSource): HeaderReader {
  if (typeof source.get === 'function') {
    const headers = source as { get(name: string): string | null };
    return (name) => headers.get(name) || undefined;
  }
  const byLowerName = new Map<string, string>();
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    // Repeated headers are joined the way Node joins them, so a doubled signature never verifies.
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (typeof text === 'string' && text !== '') byLowerName.set(name.toLowerCase(), text);
  }
  return (name) => byLowerName.get(name.toLowerCase());
}
