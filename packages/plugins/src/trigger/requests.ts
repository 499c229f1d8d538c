import type { Postsubmit, Presubmit, TriggerSettings } from '@lighthouse-ts/config';
import { ownLabels, reportLabel } from '@lighthouse-ts/crds';
import type { Repo, WebhookEvent } from '@lighthouse-ts/scm';
import type { JobRequest, JobToStart } from '../contract.ts';
import { MissingFactError, type TriggerFacts } from './facts.ts';

/** A repository whose clone URL is known. */
export interface SourceRepo {
  owner: string;
  name: string;
  cloneUrl: string;
  link?: string;
}

/** The pull request a presubmit builds: its head merged onto the base. */
export interface PullToBuild {
  repo: SourceRepo;
  number: number;
  head: { sha: string };
  base: { ref: string; sha: string };
  author?: string;
  title?: string;
  link?: string;
}

export async function sourceRepo(repo: Repo, facts: TriggerFacts): Promise<SourceRepo> {
  const { owner, name, link } = repo;
  if (repo.cloneUrl) return { owner, name, cloneUrl: repo.cloneUrl, link };
  if (!facts.cloneUrl) {
    throw new MissingFactError(
      `no clone URL for ${owner}/${name}: the payload has none, and no provider API can say`,
    );
  }
  return { owner, name, cloneUrl: await facts.cloneUrl({ owner, name }), link };
}

/** Where a job comes from: the event that asks for it, and its repository's trigger settings. */
export interface JobOrigin {
  event: Pick<WebhookEvent, 'provider' | 'deliveryId'>;
  trigger: TriggerSettings;
}

export function presubmitToStart(
  job: Presubmit,
  pull: PullToBuild,
  origin: JobOrigin,
  why: string,
): JobToStart {
  const { repo, base } = pull;
  const request: JobRequest = {
    kind: 'pullrequest',
    jobName: job.name,
    context: job.context,
    rerunCommand: job.rerunCommand || undefined,
    pullRefs: {
      sourceUrl: repo.cloneUrl,
      owner: repo.owner,
      repo: repo.name,
      repoLink: repo.link,
      baseBranch: base.ref,
      baseSha: base.sha,
      baseLink: repo.link ? `${repo.link}/commit/${base.sha}` : undefined,
      pulls: [
        { number: pull.number, sha: pull.head.sha, author: pull.author, title: pull.title, link: pull.link },
      ],
    },
    labels: jobLabels(job, origin),
  };
  return { request, namespace: job.namespace, job, why };
}

export interface PushToBuild {
  repo: SourceRepo;
  /** The branch (or tag) name. */
  refName: string;
  after: string;
}

export function postsubmitToStart(
  job: Postsubmit,
  push: PushToBuild,
  origin: JobOrigin,
  why: string,
): JobToStart {
  const { repo } = push;
  const request: JobRequest = {
    kind: 'release',
    jobName: job.name,
    context: job.context,
    pullRefs: {
      sourceUrl: repo.cloneUrl,
      owner: repo.owner,
      repo: repo.name,
      repoLink: repo.link,
      baseBranch: push.refName,
      baseSha: push.after,
      pulls: [],
    },
    labels: jobLabels(job, origin),
  };
  return { request, namespace: job.namespace, job, why };
}

const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/**
 * The job's labels; Lighthouse's `event-GUID`, when the delivery id can be a label value; and what the
 * reporter needs: the provider the job reports to and what it reports (the job's `skip_report` and the
 * repository's trigger settings as they are now, so a change to them applies to the jobs made after it).
 */
function jobLabels(job: Presubmit | Postsubmit, { event, trigger }: JobOrigin): Record<string, string> {
  const labels: Record<string, string> = {
    ...job.labels,
    [ownLabels.provider]: event.provider,
    [ownLabels.report]: reportLabel({
      status: !job.skipReport,
      comment: !trigger.skipReportComment,
      running: !trigger.skipReportRunningStatus,
      duration: trigger.showReportCompletionDuration,
    }),
  };
  const { deliveryId } = event;
  if (deliveryId.length <= 63 && labelValue.test(deliveryId)) labels['event-GUID'] = deliveryId;
  return labels;
}
