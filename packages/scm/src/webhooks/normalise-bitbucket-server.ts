import * as z from 'zod';
import { type PullRequestAction, type Repo, Sha } from '../events.ts';
import { isZeroSha, refTarget } from './git-refs.ts';
import { RepoName } from './names.ts';
import { type Delivery, found, ignored, type NormaliseResult, parsePayload } from './normalise-result.ts';

// The slug is the user's login name as go-scm and Lighthouse's configuration know it.
const User = z.object({ slug: z.string().min(1), id: z.number() });

const Links = z.array(z.object({ href: z.string(), name: z.string().optional() }));

const Repository = z.object({
  slug: RepoName,
  project: z.object({ key: RepoName }),
  // Bitbucket Server added links to webhook payloads in later versions.
  links: z.object({ clone: Links.optional(), self: Links.optional() }).optional(),
});

const RefChange = z.object({ ref: z.object({ id: z.string() }), fromHash: Sha, toHash: Sha });

const RefsChanged = z.object({
  actor: User,
  repository: Repository,
  changes: z.tuple([RefChange], RefChange),
});

const Ref = z.object({ displayId: z.string().min(1), latestCommit: Sha, repository: Repository });

const PullRequest = z.object({
  id: z.number().int().positive(),
  title: z.string(),
  draft: z.boolean().optional(),
  author: z.object({ user: User }),
  fromRef: Ref,
  toRef: Ref,
  links: z.object({ self: Links.optional() }).optional(),
});

const PullRequestHook = z.object({ pullRequest: PullRequest });

const CommentHook = z.object({
  pullRequest: z.object({ id: z.number().int().positive(), toRef: z.object({ repository: Repository }) }),
  comment: z.object({ id: z.number().int(), text: z.string(), author: User }),
});

const pullRequestActions: ReadonlyMap<string, PullRequestAction> = new Map([
  ['pr:opened', 'opened'],
  ['pr:modified', 'edited'],
  ['pr:from_ref_updated', 'synchronize'],
  ['pr:merged', 'closed'],
  ['pr:declined', 'closed'],
]);

export function normaliseBitbucketServer(
  event: string,
  payload: unknown,
  delivery: Delivery,
): NormaliseResult {
  if (event === 'repo:refs_changed') return refsChanged(payload, delivery);
  if (event === 'pr:comment:added') return comment(payload, delivery);
  if (event === 'diagnostics:ping') return found({ type: 'ping', ...delivery });
  const action = pullRequestActions.get(event);
  if (action) return pullRequest(event, action, payload, delivery);
  return ignored(`bitbucketserver ${event}`);
}

function repo(repository: z.output<typeof Repository>): Repo {
  const links = repository.links;
  return {
    owner: repository.project.key,
    name: repository.slug,
    cloneUrl: links?.clone?.find((link) => link.name === 'http')?.href,
    link: links?.self?.[0]?.href,
  };
}

const account = (user: z.output<typeof User>) => ({ login: user.slug, id: String(user.id) });

/** One push may change several refs; like go-scm, this takes the first. */
function refsChanged(payload: unknown, delivery: Delivery): NormaliseResult {
  const parsed = parsePayload(RefsChanged, payload);
  if (!parsed.ok) return parsed.invalid;
  const { actor, repository, changes } = parsed.data;
  const [change] = changes;
  const target = refTarget(change.ref.id);
  if (!target) return ignored(`bitbucketserver push to ${change.ref.id}, neither a branch nor a tag`);
  return found({
    type: 'push',
    ...delivery,
    repo: repo(repository),
    ref: change.ref.id,
    ...target,
    before: change.fromHash,
    after: change.toHash,
    deleted: isZeroSha(change.toHash),
    sender: account(actor),
  });
}

function pullRequest(
  event: string,
  action: PullRequestAction,
  payload: unknown,
  delivery: Delivery,
): NormaliseResult {
  const parsed = parsePayload(PullRequestHook, payload);
  if (!parsed.ok) return parsed.invalid;
  const pr = parsed.data.pullRequest;
  return found({
    type: 'pull_request',
    ...delivery,
    action,
    repo: repo(pr.toRef.repository),
    number: pr.id,
    title: pr.title,
    author: account(pr.author.user),
    draft: pr.draft ?? false,
    base: { ref: pr.toRef.displayId, sha: pr.toRef.latestCommit },
    head: { ref: pr.fromRef.displayId, sha: pr.fromRef.latestCommit },
    labels: [],
    merged: event === 'pr:merged',
    link: pr.links?.self?.[0]?.href,
  });
}

function comment(payload: unknown, delivery: Delivery): NormaliseResult {
  const parsed = parsePayload(CommentHook, payload);
  if (!parsed.ok) return parsed.invalid;
  const { pullRequest, comment } = parsed.data;
  return found({
    type: 'pull_request_comment',
    ...delivery,
    repo: repo(pullRequest.toRef.repository),
    number: pullRequest.id,
    commentId: String(comment.id),
    body: comment.text,
    author: account(comment.author),
  });
}
