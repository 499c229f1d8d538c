// Test helper: seeded mutations of real payloads, for fuzz runs that can be replayed.

/** mulberry32: a small seeded generator, so a failure can be replayed from its round. */
export function randomGenerator(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const below = (limit: number) => Math.floor(next() * limit);
  const pick = <T>(items: readonly T[]): T => items[below(items.length)] as T;
  return { below, pick };
}

export type Random = ReturnType<typeof randomGenerator>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const trickyValues: readonly Json[] = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53 + 1,
  '',
  'x',
  '0'.repeat(40),
  'constructor',
  '__proto__',
  'toString',
  'synchronized',
  [],
  {},
  JSON.parse('{"__proto__": {"polluted": true}}'),
];

/** Flips a bit, cuts a few bytes or inserts JSON punctuation and stray bytes somewhere. */
export function mutateBytes(body: Buffer, random: Random): Buffer {
  const at = random.below(body.length);
  switch (random.below(3)) {
    case 0: {
      const flipped = Buffer.from(body);
      flipped[at] = (flipped[at] ?? 0) ^ (1 << random.below(8));
      return flipped;
    }
    case 1:
      return Buffer.concat([body.subarray(0, at), body.subarray(at + 1 + random.below(16))]);
    default: {
      const inserted = Buffer.from(
        Array.from({ length: 1 + random.below(8) }, () =>
          random.pick([0x7b, 0x7d, 0x22, 0x5b, 0x5d, 0x2c, 0x3a, 0x00, 0xff, random.below(256)]),
        ),
      );
      return Buffer.concat([body.subarray(0, at), inserted, body.subarray(at)]);
    }
  }
}

/** Deletes, replaces, wraps or truncates one to three values anywhere in the document. */
export function mutateStructure(body: Buffer, random: Random): Buffer {
  const document = JSON.parse(body.toString()) as Json;
  const entries: { parent: Json[] | { [key: string]: Json }; key: string | number }[] = [];
  const walk = (value: Json) => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        entries.push({ parent: value, key: index });
        walk(item);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        entries.push({ parent: value, key });
        walk(item);
      }
    }
  };
  walk(document);
  for (let edit = 1 + random.below(3); edit > 0 && entries.length > 0; edit--) {
    const { parent, key } = random.pick(entries);
    const current = (parent as Record<string | number, Json>)[key] ?? null;
    const replacement = [
      () => undefined,
      () => random.pick(trickyValues),
      () => [current],
      () =>
        typeof current === 'string' ? current.slice(0, random.below(current.length + 1)) : String(current),
    ][random.below(4)]?.();
    if (replacement === undefined) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else {
      (parent as Record<string | number, Json>)[key] = replacement;
    }
  }
  return Buffer.from(JSON.stringify(document));
}
