import { commandsIn, reply } from '../chatops/commands.ts';
import type { ChatOpsPlugin } from '../chatops/plugins.ts';
import type { ProviderAction } from '../contract.ts';

// A double-quoted context may hold spaces (`/override "build / unit"`); the quotes are not part of it.
const contextWord = /"[^"]*"|[^\s"]+/g;

/** The contexts a command names, space-separated as Prow reads them. */
function contextsIn(arg: string): string[] {
  return (arg.match(contextWord) ?? []).map((word) => word.replace(/^"|"$/g, '')).filter((c) => c !== '');
}

const bulleted = (contexts: string[]) => contexts.map((context) => ` - \`${context}\``).join('\n');

/**
 * Lighthouse's override: `/override <context>...` on an open pull request, from someone who administers
 * the repository, sets each named context that is not green on the head commit to success, `Overridden by
 * <login>`, and says so in a comment. Every `/override` line of the comment counts, each naming one or more
 * contexts. If any named context is green or unknown, nothing is overridden and the reply lists those that
 * could be; anyone else is told only admins may. The new status keeps the old one's link. Not yet:
 * Lighthouse's LighthouseJob in success for a presubmit's context (only keeper reads it).
 */
export const override: ChatOpsPlugin = async (event, context) => {
  if (event.type !== 'pull_request_comment') return [];
  const wanted = new Set(
    commandsIn(event.body)
      .filter((command) => command.name === 'override')
      .flatMap((command) => contextsIn(command.arg)),
  );
  if (wanted.size === 0) return [];
  const pull = await context.facts.pullRequest({ repo: event.repo, number: event.number });
  if (!pull.open) return [];
  const login = event.author.login;
  const answer = (message: string): ProviderAction => ({
    type: 'comment',
    pullNumber: event.number,
    body: reply(login, message, event),
  });
  if (!(await context.facts.isAdmin(event.repo.owner, event.repo.name, login))) {
    return [answer(`${login} unauthorized: /override is restricted to repo administrators`)];
  }
  const statuses = await context.facts.combinedStatus(event.repo, pull.head.sha);
  const overridable = new Map(statuses.filter((s) => s.state !== 'success').map((s) => [s.context, s]));
  const unknown = [...wanted].filter((name) => !overridable.has(name)).sort();
  if (unknown.length > 0) {
    return [
      answer(
        '/override requires a failed status context to operate on.\n' +
          `The following unknown contexts were given:\n${bulleted(unknown)}\n\n` +
          `Only the following contexts were expected:\n${bulleted([...overridable.keys()].sort())}\n\n` +
          'A context with spaces in it goes in double quotes.',
      ),
    ];
  }
  const overridden = [...wanted].sort();
  return [
    ...overridden.map((name): ProviderAction => {
      const link = overridable.get(name)?.targetUrl;
      return {
        type: 'status',
        sha: pull.head.sha,
        context: name,
        state: 'success',
        description: `Overridden by ${login}`,
        ...(link === undefined ? {} : { targetUrl: link }),
      };
    }),
    answer(`Overrode contexts on behalf of ${login}: ${overridden.join(', ')}`),
  ];
};
