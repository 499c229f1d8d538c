const unitNanoseconds: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const durationPattern = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const partPattern = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/g;

/** Nanoseconds in a Go duration (`1h30m`, `00h30m0s`, `1.5s`); undefined if it is not one. */
export function parseGoDuration(text: string): bigint | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0n;
  if (!durationPattern.test(text)) return undefined;
  let total = 0n;
  for (const [, whole = '', fraction = '', unit = ''] of text.matchAll(partPattern)) {
    const scale = unitNanoseconds[unit] ?? 0n;
    const digits = fraction.slice(0, 18);
    total += BigInt(whole || '0') * scale + (BigInt(digits || '0') * scale) / 10n ** BigInt(digits.length);
  }
  return text.startsWith('-') ? -total : total;
}

/** A duration written as Go's time.Duration.String() writes it: `24h0m0s`, `30m0s`, `1.5s`, `0s`. */
export function formatGoDuration(nanoseconds: bigint): string {
  const sign = nanoseconds < 0n ? '-' : '';
  let rest = nanoseconds < 0n ? -nanoseconds : nanoseconds;
  if (rest === 0n) return '0s';
  if (rest < 1_000_000_000n) {
    const [unit, scale] =
      rest < 1_000n ? ['ns', 1n] : rest < 1_000_000n ? ['µs', 1_000n] : ['ms', 1_000_000n];
    return `${sign}${decimal(rest, scale)}${unit}`;
  }
  const hours = rest / 3_600_000_000_000n;
  rest %= 3_600_000_000_000n;
  const minutes = rest / 60_000_000_000n;
  const seconds = decimal(rest % 60_000_000_000n, 1_000_000_000n);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

function decimal(value: bigint, scale: bigint): string {
  const whole = value / scale;
  const fraction = value % scale;
  if (fraction === 0n) return String(whole);
  const width = String(scale).length - 1;
  return `${whole}.${String(fraction).padStart(width, '0').replace(/0+$/, '')}`;
}
