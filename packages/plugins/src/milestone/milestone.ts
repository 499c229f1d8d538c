import type { IssueCommentEvent, PullRequestCommentEvent } from '@lighthouse-ts/scm';
import { commandsIn, reply } from '../chatops/commands.ts';
import type { ChatOpsPlugin } from '../chatops/plugins.ts';
import type { ProviderAction } from '../contract.ts';
import type { TriggerContext } from '../trigger/context.ts';

/** The argument of `/milestone` that takes the milestone off. */
const clearMilestone = 'clear';

/**
 * Lighthouse's milestone: `/milestone <title>` on an issue or pull request sets that milestone (one of the
 * repository's open ones), `/milestone clear` takes it off. Only members of the team plugins.yaml's
 * `repo_milestone` names for the repository (else its `""` entry) may; anyone else is told who may, and an
 * unknown title is answered with the titles there are. The first `/milestone` of a comment counts. GitHub
 * and Gitea; on other providers the answer says milestones cannot be set there.
 */
export const milestone: ChatOpsPlugin = async (event, context) => {
  if (event.type !== 'issue_comment' && event.type !== 'pull_request_comment') return [];
  const command = commandsIn(event.body).find((each) => each.name === 'milestone' && each.arg !== '');
  if (!command) return [];
  const answer = (message: string): ProviderAction[] => [
    { type: 'comment', pullNumber: event.number, body: reply(event.author.login, message, event) },
  ];
  const { facts } = context;
  if (!facts.milestones) return answer(`Lighthouse cannot set milestones on ${event.provider}.`);
  const refusal = await milestoneTeamRefusal(event, context, 'set the milestone');
  if (refusal) return answer(refusal);
  if (command.arg === clearMilestone) {
    return [{ type: 'set-milestone', pullNumber: event.number, milestone: null }];
  }
  const known = await facts.milestones(event.repo);
  const wanted = known.find((each) => each.title === command.arg);
  if (!wanted) {
    const titles = known.map((each) => `\`${each.title.replaceAll('`', '')}\``).sort();
    return answer(
      `\`${command.arg.replaceAll('`', '')}\` is not a milestone of this repository. Its milestones: ${titles.join(', ') || 'none'}.\n\n` +
        `\`/milestone ${clearMilestone}\` takes the milestone off.`,
    );
  }
  return [{ type: 'set-milestone', pullNumber: event.number, milestone: wanted }];
};

/**
 * Why the comment's author may not act for the repository's milestone team (plugins.yaml's
 * `repo_milestone` entry for it, else its `""` entry), or undefined when they may: they are in it.
 */
export async function milestoneTeamRefusal(
  event: IssueCommentEvent | PullRequestCommentEvent,
  { repo, facts }: TriggerContext,
  what: string,
): Promise<string | undefined> {
  if (!facts.isTeamMember) return `Lighthouse cannot tell the members of a team on ${event.provider}.`;
  const team = repo.milestoneMaintainers;
  const { owner, name } = event.repo;
  if (!team) {
    return `nobody may ${what} in ${owner}/${name}: plugins.yaml's \`repo_milestone\` names no team for it.`;
  }
  if (event.provider === 'gitea' && !team.teamId) {
    return `nobody may ${what} in ${owner}/${name}: Gitea finds a team by its id, and plugins.yaml's \`repo_milestone\` gives only its name.`;
  }
  const login = event.author.login;
  if (await facts.isTeamMember(owner, { id: team.teamId, slug: team.teamSlug }, login)) return undefined;
  const teamName = team.teamSlug ? `${owner}/${team.teamSlug}` : `with id ${team.teamId}`;
  const whom = team.friendlyName || "the team's maintainers";
  return `only members of the team ${teamName} may ${what}. If you should be one, ask ${whom} to add you.`;
}
