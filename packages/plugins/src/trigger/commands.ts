import type { Presubmit } from '@lighthouse-ts/config';

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
 */
export function triggerMatches(job: Presubmit, body: string): boolean {
  if (!job.trigger) return false;
  const { regexp } = job.trigger;
  return regexp.test(body) || regexp.test(withoutLighthousePrefix(body));
}

const withoutLighthousePrefix = (body: string) => body.replace(/^\/lh-/gm, '/');

const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
