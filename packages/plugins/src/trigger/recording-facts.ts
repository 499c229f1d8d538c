import type { ConsultedFact } from '../contract.ts';
import type { TriggerFacts } from './facts.ts';

/** Most items of a listed answer told (the count says how many more there were). */
const listedItems = 50;
/** Longest answer told. */
const answerChars = 500;

/**
 * The facts, telling `consulted` each question asked and its answer in brief (a list's first items and
 * how many), or the error it met. The answers themselves pass through unchanged.
 */
export function recordingFacts(facts: TriggerFacts, consulted: (fact: ConsultedFact) => void): TriggerFacts {
  return new Proxy(facts, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const fact = String(property);
      return async (...args: unknown[]) => {
        const asked = args.map(brief).join(', ');
        try {
          const answer: unknown = await value.apply(target, args);
          consulted({ fact, asked, answer: brief(answer) });
          return answer;
        } catch (error) {
          consulted({ fact, asked, error: error instanceof Error ? error.message : String(error) });
          throw error;
        }
      };
    },
  });
}

function brief(value: unknown): string {
  if (Array.isArray(value)) {
    const shown = value.slice(0, listedItems).map(brief).join(', ');
    const more = value.length > listedItems ? ` and ${value.length - listedItems} more` : '';
    return `[${shown}${more}] (${value.length})`;
  }
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > answerChars ? `${text.slice(0, answerChars)}…` : text;
}
