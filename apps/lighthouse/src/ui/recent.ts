import type { ConsultedFact, Decision, FailedPlugin, StartedJob } from '@lighthouse-ts/plugins';

/** One verified delivery as the web page tells it: what came, what was answered, and what was decided. */
export interface DeliveryStory {
  /** Its number in this process, counting up; the page's address. */
  seq: number;
  receivedAt: string;
  provider: string;
  /** The event header's name (`pull_request`, `Merge Request Hook`, ...). */
  event: string;
  deliveryId?: string;
  repo?: string;
  /** What in the repository: `PR #12 opened`, `push refs/heads/main`, `comment on #4`. */
  subject?: string;
  /** The answer's status, once answered. */
  status?: number;
  /** One line: what happened (`2 started`, `duplicate`, `ignored: ...`, `still dispatching`, ...). */
  summary: string;
  /** Resumed from the pending directory after a restart. */
  resumed?: boolean;
  decision?: DecisionStory;
  /** What the trigger asked the provider's API, and what it answered. */
  consulted: ConsultedFact[];
  /** Each job started (with its pipeline), or that could not start (with the reason). */
  jobs: StartedJob[];
  /** The dispatch's outcome, once it settled: `ok`, or the error's message. */
  outcome?: string;
  /** Items left out (decided jobs, facts, jobs, actions) once the story reached its size budget. */
  omitted: number;
  /** The dispatch attempt told (after a failure that may pass it is tried again, and told anew). */
  attempt?: number;
}

export interface DecisionStory {
  summary: string;
  start: { job: string; why: string }[];
  skip: { job: string; why: string }[];
  actions: string[];
  /** The ChatOps plugins that could not decide, each with its error's message. */
  failed: { plugin: string; error: string }[];
}

/** A delivery refused before it could be verified: only what its unverified headers claimed. */
export interface RefusedDelivery {
  receivedAt: string;
  provider: string;
  event?: string;
  deliveryId?: string;
  status: number;
  reason: string;
}

export interface RecentDeliveriesOptions {
  /** Verified deliveries kept; the oldest go first. */
  size: number;
  /**
   * Refused ones kept, apart from the verified: anyone can send those, so they must not push a real
   * delivery out of the page. Default a quarter of `size`.
   */
  refusedSize?: number;
}

/** Longest text kept of any one field a sender or provider supplied. */
const maxText = 1000;
/**
 * Characters one story may hold in all; past it, further items are counted in `omitted`, not kept. With
 * the default 500 stories a full ring holds at most about 16 MiB of text (V8 stores up to 2 bytes a
 * character), whatever the senders send; a typical pull request takes well under a tenth of it.
 */
const storyBudget = 16_000;

/**
 * The last deliveries this process handled, in bounded rings, for the web page: per replica, in memory,
 * gone on restart. Every field is capped, so a full ring has a known size whatever the senders send.
 * `subscribe` is told after each change.
 */
export class RecentDeliveries {
  readonly size: number;
  readonly refusedSize: number;
  #stories: DeliveryStory[] = [];
  #refused: RefusedDelivery[] = [];
  #next = 1;
  #listeners = new Set<() => void>();

  constructor({ size, refusedSize = Math.max(1, Math.floor(size / 4)) }: RecentDeliveriesOptions) {
    this.size = size;
    this.refusedSize = refusedSize;
  }

  /** Starts the story of a verified delivery; change it through the returned handle. */
  add(start: Omit<DeliveryStory, 'seq' | 'consulted' | 'jobs' | 'omitted'>): StoryHandle {
    const story: DeliveryStory = { ...capped(start), seq: this.#next++, consulted: [], jobs: [], omitted: 0 };
    this.#stories.push(story);
    if (this.#stories.length > this.size) this.#stories.shift();
    this.#changed();
    return new StoryHandle(story, () => this.#changed());
  }

  refuse(refused: RefusedDelivery): void {
    this.#refused.push(capped(refused));
    if (this.#refused.length > this.refusedSize) this.#refused.shift();
    this.#changed();
  }

  /** Newest first. */
  list(): readonly DeliveryStory[] {
    return this.#stories.toReversed();
  }

  refused(): readonly RefusedDelivery[] {
    return this.#refused.toReversed();
  }

  get(seq: number): DeliveryStory | undefined {
    return this.#stories.find((story) => story.seq === seq);
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

/** Changes one story, capping what it is given and keeping it within its budget. */
export class StoryHandle {
  readonly #story: DeliveryStory;
  readonly #changed: () => void;
  #left = storyBudget;

  constructor(story: DeliveryStory, changed: () => void) {
    this.#story = story;
    this.#changed = changed;
    this.#left -= textLength(story);
  }

  get seq(): number {
    return this.#story.seq;
  }

  /** A new attempt at the dispatch: what an earlier one told is replaced by what this one tells. */
  attempt(number: number): void {
    const story = this.#story;
    story.attempt = number;
    if (number === 1) return;
    delete story.decision;
    story.consulted = [];
    story.jobs = [];
    story.omitted = 0;
    this.#left = storyBudget - textLength({ ...story, consulted: [], jobs: [] });
    this.#changed();
  }

  answered(status: number, summary: string): void {
    this.#story.status = status;
    this.#story.summary = cap(summary);
    this.#changed();
  }

  decided(decision: Decision, failed: readonly FailedPlugin[] = []): void {
    const summary = cap(decision.summary);
    this.#left -= summary.length;
    this.#story.decision = {
      summary,
      start: this.#within(
        decision.start.map((job) => ({ job: cap(job.request.jobName), why: cap(job.why) })),
      ),
      skip: this.#within(decision.skip.map((job) => ({ job: cap(job.jobName), why: cap(job.why) }))),
      actions: this.#within(decision.actions.map((action) => cap(describeAction(action)))),
      failed: this.#within(
        failed.map(({ plugin, error }) => ({
          plugin: cap(plugin),
          error: cap(error instanceof Error ? error.message : String(error)),
        })),
      ),
    };
    this.#changed();
  }

  consulted(fact: ConsultedFact): void {
    this.#story.consulted.push(...this.#within([capped(fact)]));
    this.#changed();
  }

  job(job: StartedJob): void {
    this.#story.jobs.push(...this.#within([capped(job)]));
    this.#changed();
  }

  settled(outcome: string): void {
    this.#story.outcome = cap(outcome);
    this.#changed();
  }

  /** The items that fit in what is left of the budget, in order; the rest counted as omitted. */
  #within<T>(items: T[]): T[] {
    const kept: T[] = [];
    for (const item of items) {
      const length = textLength(item);
      if (length > this.#left) {
        this.#story.omitted += items.length - kept.length;
        break;
      }
      this.#left -= length;
      kept.push(item);
    }
    return kept;
  }
}

/** Characters of text in a value's strings (shallow objects and strings, as stories hold). */
function textLength(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (value && typeof value === 'object') {
    return Object.values(value).reduce((sum: number, field) => sum + textLength(field), 0);
  }
  return 0;
}

function describeAction(action: Decision['actions'][number]): string {
  switch (action.type) {
    case 'comment':
      return `comment on #${action.pullNumber}: ${action.body}`;
    case 'delete-comment':
      return `delete comments on #${action.pullNumber} starting ${action.marker}`;
    case 'add-label':
      return `label #${action.pullNumber} ${action.label}`;
    case 'remove-label':
      return `unlabel #${action.pullNumber} ${action.label}`;
    case 'assign':
    case 'unassign': {
      const verb =
        action.as === 'assignees'
          ? action.type
          : action.type === 'assign'
            ? 'ask for review by'
            : 'take back review by';
      return `${verb} #${action.pullNumber}: ${action.logins.join(', ')}`;
    }
    case 'status':
      return `status ${action.state} for ${action.context} on ${action.sha.slice(0, 12)}: ${action.description}`;
    case 'set-milestone':
      return action.milestone
        ? `milestone #${action.pullNumber}: ${action.milestone.title}`
        : `clear the milestone of #${action.pullNumber}`;
  }
}

function cap(text: string): string {
  return text.length > maxText
    ? `${text.slice(0, maxText)}… (${text.length - maxText} more characters)`
    : text;
}

/** The object with each string field capped (shallow: the fields given here are strings or numbers). */
function capped<T extends object>(object: T): T {
  return Object.fromEntries(
    Object.entries(object).map(([key, value]) => [key, typeof value === 'string' ? cap(value) : value]),
  ) as T;
}
