import { commandsIn } from '../chatops/commands.ts';
import type { ChatOpsPlugin } from '../chatops/plugins.ts';
import type { ProviderAction } from '../contract.ts';
import { MissingFactError } from '../trigger/facts.ts';

export const helpWantedLabel = 'help wanted';
export const goodFirstIssueLabel = 'good first issue';

const guidelines = 'https://git.k8s.io/community/contributors/guide/help-wanted.md';

// Each guidance comment starts with its marker, by which it is found and deleted with its label.
export const helpWantedMarker = 'This issue is open for a contributor to pick up.';
export const goodFirstIssueMarker = 'This issue is a good first one for a new contributor.';

const helpWantedGuidance = [
  helpWantedMarker,
  `Before someone does, check that it says what is wanted and how to tell it is done, with no more context needed ([what a help-wanted issue needs](${guidelines})).`,
  'If it stops being so, `/remove-help` takes the label off.',
].join('\n\n');

const goodFirstIssueGuidance = [
  goodFirstIssueMarker,
  `Check that a newcomer could do it: small, with the files to change and the way to test it named ([what a good first issue needs](${guidelines}#good-first-issue)).`,
  'If it stops being so, `/remove-good-first-issue` takes the label off.',
].join('\n\n');

const commands = ['help', 'remove-help', 'good-first-issue', 'remove-good-first-issue'];

/**
 * Lighthouse's help: on an open issue (not a pull request), `/help` adds `help wanted` and
 * `/good-first-issue` adds `good first issue` (and `help wanted`), each with a comment on what such an
 * issue needs; `/remove-help` takes both off and `/remove-good-first-issue` the second, deleting those
 * comments. Anyone may. As in Lighthouse, one comment makes one change: the first of these that applies.
 * GitHub and Gitea: GitLab's issue comments reach no ChatOps plugin, and Bitbucket Server has no issues.
 */
export const helpWanted: ChatOpsPlugin = async (event, context) => {
  if (event.type !== 'issue_comment') return [];
  const asked = new Set(
    commandsIn(event.body)
      .filter((command) => command.arg === '' && commands.includes(command.name))
      .map((command) => command.name),
  );
  if (asked.size === 0) return [];
  if (!context.facts.issue) throw new MissingFactError(`the issues of ${event.provider} cannot be read`);
  const issue = await context.facts.issue({ repo: event.repo, number: event.number });
  if (!issue.open) return [];
  const has = (label: string) => issue.labels.some((name) => name.toLowerCase() === label);
  const pullNumber = event.number;
  const add = (label: string): ProviderAction => ({ type: 'add-label', pullNumber, label });
  const guide = (body: string, marker: string): ProviderAction => ({
    type: 'comment',
    pullNumber,
    body,
    replacing: marker,
  });
  const remove = (label: string, marker: string): ProviderAction[] => [
    { type: 'remove-label', pullNumber, label },
    { type: 'delete-comment', pullNumber, marker },
  ];

  if (has(helpWantedLabel) && asked.has('remove-help')) {
    return [
      ...remove(helpWantedLabel, helpWantedMarker),
      ...(has(goodFirstIssueLabel) ? remove(goodFirstIssueLabel, goodFirstIssueMarker) : []),
    ];
  }
  if (!has(goodFirstIssueLabel) && asked.has('good-first-issue')) {
    return [
      guide(goodFirstIssueGuidance, goodFirstIssueMarker),
      add(goodFirstIssueLabel),
      ...(has(helpWantedLabel) ? [] : [add(helpWantedLabel)]),
    ];
  }
  if (!has(helpWantedLabel) && asked.has('help')) {
    return [guide(helpWantedGuidance, helpWantedMarker), add(helpWantedLabel)];
  }
  if (has(goodFirstIssueLabel) && asked.has('remove-good-first-issue')) {
    return remove(goodFirstIssueLabel, goodFirstIssueMarker);
  }
  return [];
};
