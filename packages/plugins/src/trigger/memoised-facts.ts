import type { TriggerFacts } from './facts.ts';

/** The same question asked twice in one decision (trust is checked more than once on open) is asked once. */
export function memoisedFacts(facts: TriggerFacts): TriggerFacts {
  const answers = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, ask: () => Promise<T>): Promise<T> => {
    const known = answers.get(key) as Promise<T> | undefined;
    if (known) return known;
    const answer = ask();
    answers.set(key, answer);
    return answer;
  };
  const memoised: TriggerFacts = {
    isCollaborator: (org, repo, user) =>
      once(`isCollaborator\0${org}\0${repo}\0${user}`, () => facts.isCollaborator(org, repo, user)),
    isAdmin: (org, repo, user) =>
      once(`isAdmin\0${org}\0${repo}\0${user}`, () => facts.isAdmin(org, repo, user)),
    isMember: (org, user) => once(`isMember\0${org}\0${user}`, () => facts.isMember(org, user)),
    changedFiles: (pr) =>
      once(`changedFiles\0${pr.repo.owner}\0${pr.repo.name}\0${pr.number}`, () => facts.changedFiles(pr)),
    repoLabels: (repo) => once(`repoLabels\0${repo.owner}\0${repo.name}`, () => facts.repoLabels(repo)),
    prLabels: (pr) =>
      once(`prLabels\0${pr.repo.owner}\0${pr.repo.name}\0${pr.number}`, () => facts.prLabels(pr)),
    combinedStatus: (repo, sha) =>
      once(`combinedStatus\0${repo.owner}\0${repo.name}\0${sha}`, () => facts.combinedStatus(repo, sha)),
    comments: (pr) =>
      once(`comments\0${pr.repo.owner}\0${pr.repo.name}\0${pr.number}`, () => facts.comments(pr)),
    reviews: (pr) =>
      once(`reviews\0${pr.repo.owner}\0${pr.repo.name}\0${pr.number}`, () => facts.reviews(pr)),
    hasOtherPullRequests: (pr, author) =>
      once(`hasOtherPullRequests\0${pr.repo.owner}\0${pr.repo.name}\0${pr.number}\0${author}`, () =>
        facts.hasOtherPullRequests(pr, author),
      ),
    fileAt: (repo, sha, path) =>
      once(`fileAt\0${repo.owner}\0${repo.name}\0${sha}\0${path}`, () => facts.fileAt(repo, sha, path)),
    botLogin: () => once('botLogin', () => facts.botLogin()),
    pullRequest: (pr) =>
      once(`pullRequest\0${pr.repo.owner}\0${pr.repo.name}\0${pr.number}`, () => facts.pullRequest(pr)),
  };
  const { pushChangedFiles, cloneUrl } = facts;
  if (pushChangedFiles) {
    memoised.pushChangedFiles = (push) =>
      once(`pushChangedFiles\0${push.repo.owner}\0${push.repo.name}\0${push.before}\0${push.after}`, () =>
        pushChangedFiles.call(facts, push),
      );
  }
  if (cloneUrl) {
    memoised.cloneUrl = (repo) =>
      once(`cloneUrl\0${repo.owner}\0${repo.name}`, () => cloneUrl.call(facts, repo));
  }
  return memoised;
}
