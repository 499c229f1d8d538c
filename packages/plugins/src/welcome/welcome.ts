import { welcomeMessage } from '@lighthouse-ts/config';
import type { ChatOpsPlugin } from '../chatops/plugins.ts';

/**
 * Lighthouse's welcome: a pull request opened by someone who has opened no other in the repository, in any
 * state, is given the repository's welcome message (plugins.yaml `welcome:`), once however often the event
 * is delivered. Lighthouse's own pull requests are not welcomed. `AuthorName` is the author's login: the
 * events carry no display name.
 */
export const welcome: ChatOpsPlugin = async (event, context) => {
  if (event.type !== 'pull_request' || event.action !== 'opened') return [];
  const pr = { repo: event.repo, number: event.number };
  // GitLab names the author only when the author is the one acting, as on opening; else the provider says.
  const author = event.author.login ?? (await context.facts.pullRequest(pr)).author;
  if (author.toLowerCase() === (await context.facts.botLogin()).toLowerCase()) return [];
  if (await context.facts.hasOtherPullRequests(pr, author)) return [];
  const body = welcomeMessage(context.repo.welcomeTemplate, {
    Org: event.repo.owner,
    Repo: event.repo.name,
    AuthorLogin: author,
    AuthorName: author,
  });
  return [{ type: 'comment', pullNumber: event.number, body, unlessAlreadyPosted: true }];
};
