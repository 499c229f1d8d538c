import type { MetaPipeline, Phase } from '@lighthouse-ts/metapipeline-client';
import { type Html, html, safeHref } from './html.ts';
import type { DeliveryStory, RefusedDelivery } from './recent.ts';

export type Section = 'deliveries' | 'jobs';

/** Without JavaScript a live page reloads itself this often. */
const noScriptRefreshSeconds = 10;

export function layout(options: { title: string; section: Section; live?: Section; body: Html }): string {
  const { title, section, live, body } = options;
  const tab = (name: Section, label: string) =>
    html`<a href="/${name}" ${section === name ? html`aria-current="page"` : ''}>${label}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Lighthouse</title>
<link rel="stylesheet" href="/assets/ui.css">
${live ? html`<noscript><meta http-equiv="refresh" content="${noScriptRefreshSeconds}"></noscript><script src="/assets/live.js" defer></script>` : ''}
</head>
<body>
<header><strong>Lighthouse</strong><nav aria-label="Sections">${tab('deliveries', 'Deliveries')}${tab('jobs', 'Jobs')}</nav></header>
<main ${live ? html`data-live="${live}"` : ''}>
${body}
</main>
</body>
</html>
`.text;
}

export function deliveriesPage(
  stories: readonly DeliveryStory[],
  refused: readonly RefusedDelivery[],
  sizes: { size: number; refusedSize: number },
): Html {
  return html`<h1>Deliveries</h1>
<p class="note">The last ${sizes.size} webhook deliveries this replica verified, newest first. Each replica keeps its own list in
memory (another replica shows others), and a restart empties it.</p>
${
  stories.length === 0
    ? html`<p>No delivery yet.</p>`
    : html`<table>
<thead><tr><th scope="col">Received</th><th scope="col">Provider</th><th scope="col">Event</th><th scope="col">Repository</th><th scope="col">What</th><th scope="col">Answer</th><th scope="col">Summary</th></tr></thead>
<tbody>
${stories.map(
  (story) => html`<tr>
<td><a href="/deliveries/${story.seq}">${time(story.receivedAt)}</a></td>
<td>${story.provider}</td>
<td>${story.event}</td>
<td>${story.repo ?? ''}</td>
<td>${story.subject ?? ''}</td>
<td>${story.status ?? '…'}</td>
<td class="why">${story.summary}</td>
</tr>`,
)}
</tbody>
</table>`
}
<h2>Refused before verification</h2>
<p class="note">The last ${sizes.refusedSize}, apart from the list above (anyone can send these), showing only what their
unverified headers claimed.</p>
${
  refused.length === 0
    ? html`<p>None.</p>`
    : html`<table>
<thead><tr><th scope="col">Received</th><th scope="col">Provider</th><th scope="col">Event</th><th scope="col">Delivery id</th><th scope="col">Answer</th><th scope="col">Why</th></tr></thead>
<tbody>
${refused.map(
  (r) =>
    html`<tr><td>${time(r.receivedAt)}</td><td>${r.provider}</td><td>${r.event ?? ''}</td><td class="mono">${r.deliveryId ?? ''}</td><td>${r.status}</td><td class="why">${r.reason}</td></tr>`,
)}
</tbody>
</table>`
}`;
}

export function deliveryPage(story: DeliveryStory): Html {
  const { decision } = story;
  return html`<h1>Delivery ${story.deliveryId ?? `#${story.seq}`}</h1>
<dl>
<dt>Received</dt><dd>${time(story.receivedAt)}</dd>
<dt>Provider</dt><dd>${story.provider}</dd>
<dt>Event</dt><dd>${story.event}</dd>
${story.repo && html`<dt>Repository</dt><dd>${story.repo}</dd>`}
${story.subject && html`<dt>What</dt><dd>${story.subject}</dd>`}
<dt>Answer</dt><dd>${story.status ?? 'not yet'}</dd>
<dt>Summary</dt><dd>${story.summary}</dd>
${story.outcome && html`<dt>Dispatch</dt><dd>${story.outcome}</dd>`}
${(story.attempt ?? 1) > 1 && html`<dt>Attempt</dt><dd>${story.attempt} (the earlier ones failed for a reason that may pass; shown: the last)</dd>`}
${story.resumed && html`<dt>Resumed</dt><dd>after a restart, from the pending directory</dd>`}
</dl>
${story.omitted > 0 && html`<p class="note">${story.omitted} more items were not kept: each delivery's story has a size budget, so the list's memory stays bounded.</p>`}
${
  decision
    ? html`<h2>Decision</h2>
<p>${decision.summary}</p>
${
  decision.start.length + decision.skip.length > 0 &&
  html`<table>
<thead><tr><th scope="col">Job</th><th scope="col">Ran</th><th scope="col">Why</th></tr></thead>
<tbody>
${decision.start.map((j) => html`<tr><td>${j.job}</td><td class="state state-ok">ran</td><td class="why">${j.why}</td></tr>`)}
${decision.skip.map((j) => html`<tr><td>${j.job}</td><td class="state">skipped</td><td class="why">${j.why}</td></tr>`)}
</tbody>
</table>`
}`
    : html`<h2>Decision</h2><p class="muted">None: ${story.summary}</p>`
}
${
  story.jobs.length > 0 &&
  html`<h2>Jobs</h2>
<ul>
${story.jobs.map((job) =>
  job.pipeline
    ? html`<li><a href="/jobs/${job.pipeline.namespace}/${job.pipeline.name}">${job.job} #${job.pipeline.buildNumber}</a></li>`
    : html`<li>${job.job}: ${job.error ?? 'started by an earlier delivery of this event'}</li>`,
)}
</ul>`
}
${
  story.consulted.length > 0 &&
  html`<h2>Asked of the provider</h2>
<table>
<thead><tr><th scope="col">Question</th><th scope="col">About</th><th scope="col">Answer</th></tr></thead>
<tbody>
${story.consulted.map(
  (fact) =>
    html`<tr><td>${fact.fact}</td><td class="mono">${fact.asked}</td><td class="why mono">${fact.error ? `error: ${fact.error}` : fact.answer}</td></tr>`,
)}
</tbody>
</table>`
}
${
  decision &&
  decision.actions.length > 0 &&
  html`<h2>Decided for the provider</h2>
<p class="note">Labels, comments and statuses; written when lighthouse has the provider's credentials.</p>
<ul>${decision.actions.map((action) => html`<li>${action}</li>`)}</ul>`
}
${
  decision &&
  decision.failed.length > 0 &&
  html`<h2>Plugins that could not decide</h2>
<p class="note">Their labels and comments are missing above; the jobs and the other plugins went on.</p>
<ul>${decision.failed.map((failed) => html`<li>${failed.plugin}: <span class="mono">${failed.error}</span></li>`)}</ul>`
}`;
}

export const jobStates: readonly Phase[] = ['pending', 'running', 'succeeded', 'failed', 'cancelled'];

export function jobsPage(
  jobs: readonly MetaPipeline[],
  filter: { repo?: string; state?: Phase },
  context: { namespace: string; shown: number; now: Date },
): Html {
  return html`<h1>Jobs</h1>
<form class="filter" method="get" action="/jobs">
<label>Repository <input name="repo" value="${filter.repo ?? ''}" placeholder="owner/name"></label>
<label>State <select name="state"><option value="">any</option>${jobStates.map(
    (state) => html`<option ${filter.state === state ? html`selected` : ''}>${state}</option>`,
  )}</select></label>
<button type="submit">Filter</button>
</form>
<p class="note">Jobs in namespace <code>${context.namespace}</code>, newest first, at most ${context.shown}.</p>
${
  jobs.length === 0
    ? html`<p>No job${filter.repo || filter.state ? ' matches' : ' yet'}.</p>`
    : html`<table>
<thead><tr><th scope="col">Job</th><th scope="col">Repository</th><th scope="col">Pull request or branch</th><th scope="col">Build</th><th scope="col">State</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Description</th></tr></thead>
<tbody>
${jobs.map(
  (job) => html`<tr>
<td><a href="/jobs/${job.ref.namespace}/${job.ref.name}">${job.jobName}</a></td>
<td>${job.owner}/${job.repo}</td>
<td>${job.pullNumber !== undefined ? `#${job.pullNumber}` : job.branch}</td>
<td>${job.buildNumber}</td>
<td>${state(job.phase)}</td>
<td>${time(job.startedAt ?? job.createdAt)}</td>
<td>${duration(job, context.now)}</td>
<td class="why">${job.description}</td>
</tr>`,
)}
</tbody>
</table>`
}`;
}

export function jobPage(job: MetaPipeline, context: { now: Date; logUrl?: string }): Html {
  const link = (href: string | undefined, text: string) => {
    const safe = safeHref(href);
    return safe ? html`<a href="${safe}">${text}</a>` : html`${text}`;
  };
  const logs = safeHref(context.logUrl);
  return html`<h1>${job.jobName} #${job.buildNumber}</h1>
<p>${state(job.phase)} · ${job.description}</p>
<dl>
<dt>Repository</dt><dd>${link(job.links?.repo, `${job.owner}/${job.repo}`)}</dd>
${
  job.pullNumber !== undefined
    ? html`<dt>Pull request</dt><dd>${link(job.links?.pull, `#${job.pullNumber}`)}</dd>`
    : html`<dt>Branch</dt><dd>${job.branch}</dd>`
}
${job.sha && html`<dt>Commit</dt><dd class="mono">${link(job.links?.commit, job.sha)}</dd>`}
<dt>Context</dt><dd>${job.context}</dd>
<dt>Started</dt><dd>${time(job.startedAt ?? job.createdAt)}</dd>
${job.completedAt && html`<dt>Finished</dt><dd>${time(job.completedAt)}</dd>`}
<dt>Duration</dt><dd>${duration(job, context.now)}</dd>
${job.activityName && html`<dt>PipelineRun</dt><dd class="mono">${job.ref.namespace}/${job.activityName}</dd>`}
<dt>Logs</dt><dd>${logs ? html`<a href="${logs}">open the logs</a>` : html`<span class="muted">no log URL is configured (--ui-log-url)</span>`}</dd>
<dt>LighthouseJob</dt><dd class="mono">${job.ref.namespace}/${job.ref.name}</dd>
</dl>
<h2>Activity</h2>
${
  job.stages && job.stages.length > 0
    ? html`<ol>
${job.stages.map(
  (stage) =>
    html`<li><strong>${stage.name}</strong>: ${stage.status}${
      stage.steps && stage.steps.length > 0
        ? html`<ul class="steps">${stage.steps.map((step) => html`<li>${step.name}: ${step.status}</li>`)}</ul>`
        : ''
    }</li>`,
)}
</ol>`
    : html`<p class="muted">No activity recorded yet.</p>`
}`;
}

export function messagePage(title: string, message: string): Html {
  return html`<h1>${title}</h1><p>${message}</p>`;
}

function state(phase: Phase): Html {
  const tone =
    phase === 'succeeded'
      ? 'state-ok'
      : phase === 'failed'
        ? 'state-bad'
        : phase === 'cancelled'
          ? ''
          : 'state-wait';
  return html`<span class="state ${tone}">${phase}</span>`;
}

function time(iso: string | undefined): Html {
  if (!iso) return html``;
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+/, '')}</time>`;
}

function duration(job: MetaPipeline, now: Date): string {
  const start = job.startedAt ?? job.createdAt;
  if (!start) return '';
  const end = job.completedAt ? Date.parse(job.completedAt) : now.getTime();
  const seconds = Math.max(0, Math.round((end - Date.parse(start)) / 1000));
  const text = seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return job.completedAt ? text : `${text} so far`;
}
