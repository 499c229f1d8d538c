import type {
  IssueCommentEvent,
  PullRequestCommentEvent,
  PullRequestEvent,
  ReviewEvent,
  WebhookEvent,
} from '@lighthouse-ts/scm';
import { approve } from '../approve/approve.ts';
import type { ProviderAction } from '../contract.ts';
import { asPluginError, PermanentError } from '../errors.ts';
import { helpWanted } from '../help-wanted/help-wanted.ts';
import { milestone } from '../milestone/milestone.ts';
import { milestoneStatus } from '../milestone/milestone-status.ts';
import { override } from '../override/override.ts';
import { okToTestPattern } from '../trigger/commands.ts';
import { askedByComment } from '../trigger/comment.ts';
import type { TriggerContext } from '../trigger/context.ts';
import type { RepoKey } from '../trigger/facts.ts';
import { branchVerdict } from '../trigger/should-run.ts';
import { welcome } from '../welcome/welcome.ts';
import { type Command, commandsIn, reply } from './commands.ts';

type CommentEvent = PullRequestCommentEvent | IssueCommentEvent | ReviewEvent;

/** One ChatOps plugin: from an event and what it may ask, the labels and comments to write. */
export type ChatOpsPlugin = (event: WebhookEvent, context: TriggerContext) => Promise<ProviderAction[]>;

export const holdLabel = 'do-not-merge/hold';
export const wipLabel = 'do-not-merge/work-in-progress';
export const lgtmLabel = 'lgtm';
export const lifecycleStates = ['active', 'frozen', 'stale', 'rotten'] as const;

const isComment = (event: WebhookEvent): event is CommentEvent =>
  event.type === 'pull_request_comment' || event.type === 'issue_comment' || event.type === 'review';

/** A comment's commands of these names (a review's body counts as a comment). */
function commandsOf(event: WebhookEvent, names: readonly string[]): Command[] {
  if (!isComment(event)) return [];
  return commandsIn(event.body).filter((command) => names.includes(command.name));
}

const label = (type: 'add-label' | 'remove-label', pullNumber: number, name: string): ProviderAction => ({
  type,
  pullNumber,
  label: name,
});

/** The labels on the pull request or issue now: the payload's when it has them, else the provider's. */
async function labelsOf(
  event: CommentEvent | PullRequestEvent,
  { facts }: TriggerContext,
): Promise<string[]> {
  if (event.type === 'pull_request') return event.labels;
  const key = { repo: event.repo, number: event.number };
  // An issue is no pull request: GitHub and Gitea read its labels as an issue's.
  if (event.type === 'issue_comment' && facts.issue) return [...(await facts.issue(key)).labels];
  return [...(await facts.prLabels(key))];
}

/** `/hold` adds `do-not-merge/hold`, `/hold cancel` removes it; anyone may (Lighthouse's hold). */
export const hold: ChatOpsPlugin = async (event) => {
  if (!isComment(event)) return [];
  return commandsOf(event, ['hold']).flatMap((command) => {
    if (command.arg === '') return [label('add-label', event.number, holdLabel)];
    if (command.arg.toLowerCase() === 'cancel') return [label('remove-label', event.number, holdLabel)];
    return [];
  });
};

const wipTitle = /^\W?WIP\W/i;

/**
 * A draft, or a title that starts with WIP, has `do-not-merge/work-in-progress`; any other pull request
 * has not (Lighthouse's wip, on opened, reopened, edited, ready-for-review and new commits).
 */
export const wip: ChatOpsPlugin = async (event) => {
  if (event.type !== 'pull_request' || event.action === 'closed' || event.action === 'labeled') return [];
  const wanted = event.draft || wipTitle.test(event.title);
  const has = event.labels.includes(wipLabel);
  if (wanted === has) return [];
  return [label(wanted ? 'add-label' : 'remove-label', event.number, wipLabel)];
};

const lgtmArgs = ['', 'no-issue', 'cancel'];
/** Lighthouse's texts: found again by them (a migration keeps working with the comments Lighthouse left). */
const lgtmRemovedNote = 'New changes are detected. LGTM label has been removed.';
const lgtmAddedNote = 'LGTM label has been added.';
const treeHashNote = (tree: string) => `${lgtmAddedNote}  <details>Git tree hash: ${tree}</details>`;
const treeHashIn = /^LGTM label has been added\.\s+<details>Git tree hash: ([0-9a-f]+)<\/details>/;

/**
 * Lighthouse's lgtm: `/lgtm` adds the `lgtm` label and `/lgtm cancel` removes it, on an open pull request;
 * its author cannot LGTM it (but may cancel), and only collaborators may change it; a collaborator who
 * does is assigned. With `review_acts_as_lgtm` an approving review adds it and one requesting changes
 * removes it. New commits take it off, saying so, unless the author is in `trusted_team_for_sticky_lgtm`
 * or, with `store_tree_hash`, the code's tree is the one LGTM was given to (noted in a comment when added).
 */
export const lgtm: ChatOpsPlugin = async (event, context) => {
  if (event.type === 'pull_request') return lgtmOnPush(event, context);
  if (event.type !== 'pull_request_comment' && event.type !== 'review') return [];
  let wants: boolean[] = commandsOf(event, ['lgtm'])
    .filter((command) => lgtmArgs.includes(command.arg.toLowerCase()))
    .map((command) => command.arg.toLowerCase() !== 'cancel');
  if (wants.length === 0 && event.type === 'review' && context.repo.lgtm.reviewActsAsLgtm) {
    if (event.state === 'approved') wants = [true];
    if (event.state === 'changes_requested') wants = [false];
  }
  const want = wants.at(-1);
  if (want === undefined) return [];
  const pull = await context.facts.pullRequest({ repo: event.repo, number: event.number });
  if (!pull.open) return [];
  const commenter = event.author.login;
  const isAuthor = commenter.toLowerCase() === pull.author.toLowerCase();
  const answer = (message: string): ProviderAction[] => [
    { type: 'comment', pullNumber: event.number, body: reply(commenter, message, event) },
  ];
  if (isAuthor && want) return answer('you cannot LGTM your own PR.');
  if (!isAuthor && !(await context.facts.isCollaborator(event.repo.owner, event.repo.name, commenter))) {
    return answer('changing LGTM is restricted to collaborators');
  }
  const actions: ProviderAction[] = isAuthor
    ? []
    : [{ type: 'assign', pullNumber: event.number, logins: [commenter], as: 'assignees' }];
  const has = (await labelsOf(event, context)).includes(lgtmLabel);
  if (want === has) return actions;
  const { storeTreeHash } = context.repo.lgtm;
  if (!want) {
    actions.push(label('remove-label', event.number, lgtmLabel));
    if (storeTreeHash)
      actions.push({ type: 'delete-comment', pullNumber: event.number, marker: lgtmAddedNote });
    return actions;
  }
  actions.push(label('add-label', event.number, lgtmLabel));
  if (await isStickyAuthor(event, pull.author, context)) return actions;
  if (storeTreeHash) {
    const body = treeHashNote(await treeOf(event.repo, pull.head.sha, context));
    // One note, the newest, edited in place: an older one would name a tree LGTM was taken from since.
    actions.push({ type: 'comment', pullNumber: event.number, body, replacing: lgtmAddedNote });
  }
  actions.push({ type: 'delete-comment', pullNumber: event.number, marker: lgtmRemovedNote });
  return actions;
};

/** New commits take LGTM off, unless its author is trusted to keep it or the tree is the one approved. */
async function lgtmOnPush(event: PullRequestEvent, context: TriggerContext): Promise<ProviderAction[]> {
  if (event.action !== 'synchronize' || event.merged || !event.labels.includes(lgtmLabel)) return [];
  const author = event.author.login;
  if (author && (await isStickyAuthor(event, author, context))) return [];
  if (context.repo.lgtm.storeTreeHash) {
    const [approved, current] = await Promise.all([
      unlessRefused(approvedTree(event, context), undefined),
      treeOf(event.repo, event.head.sha, context),
    ]);
    if (approved !== undefined && approved === current) return [];
  }
  return [
    label('remove-label', event.number, lgtmLabel),
    // Once per push however often it is delivered, and again on the next push, whoever added LGTM back.
    {
      type: 'comment',
      pullNumber: event.number,
      body: `${lgtmRemovedNote}\n\n<!-- ${event.head.sha} -->`,
      unlessAlreadyPosted: true,
    },
  ];
}

/**
 * A lookup's answer, or `fallback` when the provider refuses it for good (a token without the scope to
 * read teams): LGTM then is not sticky, as when nothing is configured. An outage is thrown, for the
 * delivery to be tried again.
 */
async function unlessRefused<T>(lookup: Promise<T>, fallback: T): Promise<T> {
  try {
    return await lookup;
  } catch (error) {
    if (asPluginError(error) instanceof PermanentError) return fallback;
    throw error;
  }
}

/** Whether the pull request's author is in the org's `trusted_team_for_sticky_lgtm`. */
async function isStickyAuthor(
  event: PullRequestEvent | CommentEvent,
  author: string,
  { repo, facts }: TriggerContext,
): Promise<boolean> {
  const teamName = repo.lgtm.trustedTeamForStickyLgtm;
  const { teamNamed, isTeamMember } = facts;
  if (!teamName || !teamNamed || !isTeamMember) return false;
  const member = async () => {
    const team = await teamNamed(event.repo.owner, teamName);
    return team !== undefined && (await isTeamMember(event.repo.owner, team, author));
  };
  return unlessRefused(member(), false);
}

/**
 * The commit's tree, or the commit itself where the provider does not say or will not (a refusal): then
 * only the same commit keeps LGTM. Lighthouse notes an empty tree where its provider does not say.
 */
async function treeOf(repo: RepoKey, sha: string, { facts }: TriggerContext): Promise<string> {
  return facts.treeOf ? unlessRefused(facts.treeOf(repo, sha), sha) : sha;
}

/** The tree in our newest LGTM note, if any. */
async function approvedTree(event: PullRequestEvent, { facts }: TriggerContext): Promise<string | undefined> {
  const [comments, me] = await Promise.all([
    facts.comments({ repo: event.repo, number: event.number }),
    facts.botLogin(),
  ]);
  const ours = comments.filter((comment) => comment.author.toLowerCase() === me.toLowerCase());
  return ours.map((comment) => treeHashIn.exec(comment.body)?.[1]).findLast((tree) => tree !== undefined);
}

/**
 * A plugin keeping at most one `<name>/*` label: `/<name> <state>` sets `<name>/<state>` and takes the
 * others of `all` off, `/remove-<name> <state>` takes it off. Anyone may.
 */
function oneLabelOf(name: string, settable: readonly string[], all = settable): ChatOpsPlugin {
  return async (event, context) => {
    if (!isComment(event)) return [];
    const commands = commandsOf(event, [name, `remove-${name}`]).filter((command) =>
      settable.includes(command.arg.toLowerCase()),
    );
    if (commands.length === 0) return [];
    const labels = new Set(await labelsOf(event, context));
    const actions: ProviderAction[] = [];
    for (const command of commands) {
      const wanted = `${name}/${command.arg.toLowerCase()}`;
      if (command.name !== name) {
        if (labels.delete(wanted)) actions.push(label('remove-label', event.number, wanted));
        continue;
      }
      for (const state of all) {
        const other = `${name}/${state}`;
        if (other !== wanted && labels.delete(other))
          actions.push(label('remove-label', event.number, other));
      }
      if (!labels.has(wanted)) {
        labels.add(wanted);
        actions.push(label('add-label', event.number, wanted));
      }
    }
    return actions;
  };
}

/**
 * Lighthouse's lifecycle: `/lifecycle frozen|stale|rotten` and `/remove-lifecycle <state>` (setting one
 * takes `lifecycle/active` off too). Not yet: `/close` and `/reopen`, which change the pull request's state.
 */
export const lifecycle = oneLabelOf('lifecycle', ['frozen', 'stale', 'rotten'], lifecycleStates);

/** Lighthouse's stage: `/stage alpha|beta|stable` and `/remove-stage <stage>`. */
export const stage = oneLabelOf('stage', ['alpha', 'beta', 'stable']);

export const shrugLabel = '¯\\_(ツ)_/¯';

/**
 * Lighthouse's shrug: `/shrug` adds the `¯\_(ツ)_/¯` label, `/unshrug` takes it off with a shrug in
 * answer. Anyone may; in a comment with both, `/shrug` wins.
 */
export const shrug: ChatOpsPlugin = async (event, context) => {
  if (!isComment(event)) return [];
  const asked = commandsOf(event, ['shrug', 'unshrug']).filter((command) => command.arg === '');
  if (asked.length === 0) return [];
  const want = asked.some((command) => command.name === 'shrug');
  if (want === (await labelsOf(event, context)).includes(shrugLabel)) return [];
  if (want) return [label('add-label', event.number, shrugLabel)];
  return [
    {
      type: 'comment',
      pullNumber: event.number,
      body: reply(event.author.login, '¯\\\\\\_(ツ)\\_/¯', event),
    },
    label('remove-label', event.number, shrugLabel),
  ];
};

/** The commands of the label plugin, each the prefix of the labels it sets (`/kind bug` is `kind/bug`). */
export const labelPrefixes = [
  'area',
  'committee',
  'kind',
  'language',
  'priority',
  'sig',
  'team',
  'triage',
  'wg',
  'risk',
] as const;

/**
 * Lighthouse's label: `/kind bug` adds `kind/bug` (likewise `/area`, `/priority`, `/triage` and the other
 * prefixes; several names at once), `/remove-kind bug` removes it, and `/label <name>` adds a label
 * plugins.yaml's `label.additional_labels` lists. Anyone may. Only labels the repository has are added;
 * the others, and removing one the pull request lacks, are answered with a comment.
 */
export const labels: ChatOpsPlugin = async (event, context) => {
  if (!isComment(event)) return [];
  const names = [...labelPrefixes, 'label'];
  const commands = commandsOf(event, [...names, ...names.map((name) => `remove-${name}`)]).filter(
    (command) => command.arg !== '',
  );
  if (commands.length === 0) return [];
  const has = new Set(await labelsOf(event, context));
  const known = new Set(await context.facts.repoLabels(event.repo));
  const toAdd: string[] = [];
  const toRemove: string[] = [];
  const cannotAdd: string[] = [];
  const notAllowed: string[] = [];
  const notSet: string[] = [];
  for (const { name, arg } of commands) {
    const remove = name.startsWith('remove-');
    const kind = remove ? name.slice('remove-'.length) : name;
    const wanted =
      kind === 'label'
        ? context.repo.additionalLabels.includes(arg)
          ? [arg]
          : []
        : arg.split(/[ \t]+/).map((value) => `${kind}/${value.toLowerCase()}`);
    if (kind === 'label' && wanted.length === 0) notAllowed.push(arg);
    for (const label of wanted) {
      if (remove) {
        if (has.delete(label)) toRemove.push(label);
        else notSet.push(label);
      } else if (!known.has(label)) cannotAdd.push(label);
      else if (!has.has(label)) {
        has.add(label);
        toAdd.push(label);
      }
    }
  }
  const actions: ProviderAction[] = [
    ...toAdd.map((name) => label('add-label', event.number, name)),
    ...toRemove.map((name) => label('remove-label', event.number, name)),
  ];
  const problems = [
    cannotAdd.length > 0 &&
      `The label(s) \`${cannotAdd.join(', ')}\` cannot be applied, because the repository doesn't have them.`,
    notAllowed.length > 0 &&
      `The label(s) \`${notAllowed.join(', ')}\` cannot be applied: /label takes only those plugins.yaml's label.additional_labels lists.`,
    notSet.length > 0 && `Those labels are not set on the issue: \`${notSet.join(', ')}\``,
  ].filter((problem): problem is string => typeof problem === 'string');
  if (problems.length > 0) {
    actions.push({
      type: 'comment',
      pullNumber: event.number,
      body: reply(event.author.login, problems.join('\n\n'), event),
    });
  }
  return actions;
};

/** Most logins one comment assigns, or asks for reviews, or takes back. */
const maxPeople = 10;

// Lighthouse's arguments: logins with an optional `@` and quotes (Bitbucket Server's are quoted).
const loginArg = /^@?"?([-/\w]+)"?$/;

/**
 * Lighthouse's assign: `/assign` and `/unassign` the pull request to the logins named (`@` optional), or to
 * the commenter when none is; `/cc` and `/uncc` ask for their review or take the request back. Anyone may.
 * A command whose arguments are not all logins is not one (as Lighthouse's pattern reads it). The provider
 * decides who can be assigned; those it refuses are answered with a comment.
 */
export const assign: ChatOpsPlugin = async (event) => {
  if (event.type !== 'pull_request_comment' && event.type !== 'review') return [];
  const wanted = { assignees: new Map<string, boolean>(), reviewers: new Map<string, boolean>() };
  for (const { name, arg } of commandsOf(event, ['assign', 'unassign', 'cc', 'uncc'])) {
    const args = arg === '' ? [] : arg.split(/[ \t]+/).map((word) => loginArg.exec(word)?.[1]);
    if (args.some((login) => login === undefined)) continue;
    const logins = args.length === 0 ? [event.author.login] : (args as string[]);
    const people = name.endsWith('assign') ? wanted.assignees : wanted.reviewers;
    for (const login of logins) {
      // The last command naming someone wins, whatever the case it was written in.
      const known = people.delete(login.toLowerCase());
      // GitHub takes ten assignees at most: a comment naming thousands asks for no more.
      if (known || people.size < maxPeople) people.set(login.toLowerCase(), !name.startsWith('un'));
    }
  }
  const askedBy = { login: event.author.login, body: event.body, link: event.link };
  return (['assignees', 'reviewers'] as const).flatMap((as) => {
    const chosen = (add: boolean) =>
      [...wanted[as]].filter(([, value]) => value === add).map(([login]) => login);
    const actions: ProviderAction[] = [];
    const add = chosen(true);
    const remove = chosen(false);
    if (add.length > 0) actions.push({ type: 'assign', pullNumber: event.number, logins: add, as, askedBy });
    if (remove.length > 0) actions.push({ type: 'unassign', pullNumber: event.number, logins: remove, as });
    return actions;
  });
};

/**
 * Lighthouse's skip: `/skip` on an open pull request whose statuses are not all green marks each optional
 * job's failed or pending status (`optional` or `skip_report`, on the pull request's base branch, and not
 * one this very comment asks the trigger to run: named, retested, or by `/test all`) as successful,
 * `Skipped`, so it no longer holds the pull request back.
 * Anyone may: required jobs are never touched.
 */
export const skip: ChatOpsPlugin = async (event, context) => {
  if (event.type !== 'pull_request_comment' || commandsOf(event, ['skip']).every((c) => c.arg !== ''))
    return [];
  const pr = { repo: event.repo, number: event.number };
  const pull = await context.facts.pullRequest(pr);
  if (!pull.open) return [];
  const statuses = await context.facts.combinedStatus(event.repo, pull.head.sha);
  const failing = new Set(statuses.filter((s) => s.state !== 'success').map((s) => s.context));
  if (failing.size === 0) return [];
  const okToTest = !context.repo.trigger.ignoreOkToTest && okToTestPattern.test(event.body);
  const asked = await askedByComment(event.body, okToTest, async () => statuses);
  return context.repo.presubmits
    .filter(
      (job) =>
        (job.optional || job.skipReport) &&
        failing.has(job.context) &&
        branchVerdict(job.brancher, pull.base.ref) === undefined &&
        !asked(job).matches,
    )
    .map((job) => ({
      type: 'status',
      sha: pull.head.sha,
      context: job.context,
      state: 'success',
      description: 'Skipped',
    }));
};

const sizes = ['XS', 'S', 'M', 'L', 'XL', 'XXL'] as const;

/**
 * Lighthouse's size: a pull request opened, reopened, edited or pushed to has exactly one `size/*` label,
 * from the lines it adds and deletes and plugins.yaml's thresholds (`size/XS` below `s`, ... `size/XXL`
 * from `xxl`). Where the provider does not count lines (GitLab, Bitbucket Server) it does nothing; generated
 * files (`.gitattributes`, `.generated_files`) are counted like any other.
 */
export const size: ChatOpsPlugin = async (event, context) => {
  if (
    event.type !== 'pull_request' ||
    !['opened', 'reopened', 'edited', 'synchronize'].includes(event.action)
  )
    return [];
  const pull = await context.facts.pullRequest({ repo: event.repo, number: event.number });
  if (pull.changedLines === undefined) return [];
  const { s, m, l, xl, xxl } = context.repo.size;
  const fits = [0, s, m, l, xl, xxl].findLastIndex((threshold) => (pull.changedLines as number) >= threshold);
  const wanted = `size/${sizes[fits]}`;
  const actions: ProviderAction[] = event.labels
    .filter((name) => name.startsWith('size/') && name !== wanted)
    .map((name) => label('remove-label', event.number, name));
  if (!event.labels.includes(wanted)) actions.push(label('add-label', event.number, wanted));
  return actions;
};

/** The ChatOps plugins built so far, by their plugins.yaml name. */
export const chatOpsPlugins: ReadonlyMap<string, ChatOpsPlugin> = new Map([
  ['hold', hold],
  ['wip', wip],
  ['lgtm', lgtm],
  ['lifecycle', lifecycle],
  ['stage', stage],
  ['shrug', shrug],
  ['label', labels],
  ['assign', assign],
  ['approve', approve],
  ['skip', skip],
  ['size', size],
  ['welcome', welcome],
  ['override', override],
  ['help', helpWanted],
  ['milestone', milestone],
  ['milestonestatus', milestoneStatus],
]);
