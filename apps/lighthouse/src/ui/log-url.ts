import type { MetaPipeline } from '@lighthouse-ts/metapipeline-client';

export const logUrlPlaceholders = ['namespace', 'job', 'pipelineRun', 'build', 'owner', 'repo'] as const;

/** Checks a log URL template's placeholders; a message naming the unknown ones, or undefined. */
export function checkLogUrl(template: string): string | undefined {
  const unknown = [...template.matchAll(/\{([^{}]*)\}/g)]
    .map((m) => m[1] ?? '')
    .filter((name) => !(logUrlPlaceholders as readonly string[]).includes(name));
  if (unknown.length === 0) return undefined;
  return `names ${unknown.map((n) => `{${n}}`).join(', ')}; it may name ${logUrlPlaceholders.map((n) => `{${n}}`).join(', ')}`;
}

/** The template filled in for one job, each value URL-encoded. */
export function logUrlOf(template: string, job: MetaPipeline): string {
  const values: Record<string, string> = {
    namespace: job.ref.namespace,
    job: job.ref.name,
    pipelineRun: job.activityName ?? job.ref.name,
    build: String(job.buildNumber),
    owner: job.owner,
    repo: job.repo,
  };
  return template.replace(/\{([^{}]*)\}/g, (_, key: string) => encodeURIComponent(values[key] ?? ''));
}
