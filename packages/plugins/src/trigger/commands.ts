import type { Presubmit } from '@lighthouse-ts/config';

// The regexes here are ours, not the config's, and run on V8's backtracking engine, on comment bodies that
// anyone can post. Each stays linear in the body's length: `^` with `m` holds at line starts only; no two
// quantified parts can match the same text (`[ \t]+` then `[-\w]`, `[-\w]+` then `,`), so a failed try
// gives each back once; and `\s*$` succeeds as soon as its run of spaces holds a line break, so a failing try
// never reads past its own line. commands.test.ts matches them against 1 MB hostile bodies.

// Lighthouse's regexes (pkg/jobutil/filter.go), `(?m)` read as the m flag.
export const testAllPattern = /^\/(?:lh-)?test all,?($|\s.*)/m;
export const retestPattern = /^\/(?:lh-)?retest\s*$/m;
export const okToTestPattern = /^\/(?:lh-)?ok-to-test\s*$/m;

/**
 * The commands the trigger plugin registers; a comment reaches the trigger only if one of them matches a
 * line (Lighthouse's plugin command gate: case-insensitive, optional `lh-`, arguments `[-\w]+(,[-\w]+)*`).
 */
const registeredCommands = [
  /^\/(?:lh-)?(?:ok-to-test)\s*$/im,
  /^\/(?:lh-)?(?:retest)\s*$/im,
  commandWithJobs('test'),
];

function commandWithJobs(name: string): RegExp {
  return new RegExp(`^/(?:lh-)?(?:${name})(?:[ \\t]+([-\\w]+(?:,[-\\w]+)*))\\s*$`, 'im');
}

/** Whether the comment holds a command the trigger answers; `custom` mirrors `LH_CUSTOM_TRIGGER_COMMAND`. */
export function hasTriggerCommand(body: string, custom?: string): boolean {
  const commands = custom
    ? [...registeredCommands, commandWithJobs(escapeRegExp(custom))]
    : registeredCommands;
  return commands.some((command) => command.test(body));
}

/**
 * Whether a comment triggers the job. Job triggers (`/test <name>` by default) are written without the
 * `lh-` prefix, so the comment is also tried with `/lh-` read as `/` at the start of each line: `/lh-test
 * unit` then means `/test unit`, as the prefix promises (Lighthouse only honours it for its own regexes).
 * The trigger is a Go regexp from the config, matched by RE2 in linear time (@lighthouse-ts/config);
 * the second try is made only when there is a prefix to drop.
 */
export function triggerMatches(job: Presubmit, body: string): boolean {
  if (!job.trigger) return false;
  const { regexp } = job.trigger;
  if (regexp.test(body)) return true;
  const unprefixed = withoutLighthousePrefix(body);
  return unprefixed !== body && regexp.test(unprefixed);
}

const withoutLighthousePrefix = (body: string) => body.replace(/^\/lh-/gm, '/');

const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
