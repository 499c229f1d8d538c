import type { ConsultedFact, Decision, StartedJob } from '@lighthouse-ts/plugins';

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
}

export interface DecisionStory {
  summary: string;
  start: { job: string; why: string }[];
  skip: { job: string; why: string }[];
  actions: string[];
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
const maxText = 2000;
/** Most items kept of any one list (changed files, consulted facts, jobs). */
const maxItems = 200;

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
  add(start: Omit<DeliveryStory, 'seq' | 'consulted' | 'jobs'>): StoryHandle {
    const story: DeliveryStory = { ...capped(start), seq: this.#next++, consulted: [], jobs: [] };
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

/** Changes one story, capping what it is given. */
export class StoryHandle {
  readonly #story: DeliveryStory;
  readonly #changed: () => void;

  constructor(story: DeliveryStory, changed: () => void) {
    this.#story = story;
    this.#changed = changed;
  }

  get seq(): number {
    return this.#story.seq;
  }

  answered(status: number, summary: string): void {
    this.#story.status = status;
    this.#story.summary = cap(summary);
    this.#changed();
  }

  decided(decision: Decision): void {
    this.#story.decision = {
      summary: cap(decision.summary),
      start: decision.start
        .slice(0, maxItems)
        .map((job) => ({ job: cap(job.request.jobName), why: cap(job.why) })),
      skip: decision.skip.slice(0, maxItems).map((job) => ({ job: cap(job.jobName), why: cap(job.why) })),
      actions: decision.actions.slice(0, maxItems).map((action) => cap(describeAction(action))),
    };
    this.#changed();
  }

  consulted(fact: ConsultedFact): void {
    if (this.#story.consulted.length >= maxItems) return;
    this.#story.consulted.push(capped(fact));
    this.#changed();
  }

  job(job: StartedJob): void {
    if (this.#story.jobs.length >= maxItems) return;
    this.#story.jobs.push(capped(job));
    this.#changed();
  }

  settled(outcome: string): void {
    this.#story.outcome = cap(outcome);
    this.#changed();
  }
}

function describeAction(action: Decision['actions'][number]): string {
  switch (action.type) {
    case 'comment':
      return `comment on #${action.pullNumber}: ${action.body}`;
    case 'add-label':
      return `label #${action.pullNumber} ${action.label}`;
    case 'remove-label':
      return `unlabel #${action.pullNumber} ${action.label}`;
    case 'status':
      return `status ${action.state} for ${action.context} on ${action.sha.slice(0, 12)}: ${action.description}`;
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
