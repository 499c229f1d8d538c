// Finding a job in the repository's own configuration: `.lighthouse/<dir>/triggers.yaml` (and
// `.lighthouse/triggers.yaml`), Lighthouse's TriggerConfig (pkg/triggerconfig/inrepo/load_triggers.go).
import { readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import * as z from 'zod';
import { PipelineLoadError, UnsupportedPipelineError } from '../errors.ts';
import { parseRepositoryYaml, readRepositoryFile, realPathInRepository } from './files.ts';
import { type LoadOptions, loadPipelineRun } from './load.ts';
import { type TektonPipelineRun, TektonPipelineRunSpec } from './tekton.ts';

/** Presubmits run for pull requests, postsubmits for pushes to a branch. */
export type JobKind = 'presubmit' | 'postsubmit';

const TriggerJob = z.looseObject({
  name: z.string().min(1),
  /** The pipeline file, relative to the triggers.yaml's directory. */
  source: z.string().optional(),
  pipeline_run_spec: z.looseObject({}).optional(),
});

const TriggerConfig = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal('TriggerConfig').optional(),
  spec: z
    .looseObject({
      presubmits: z.array(TriggerJob).nullish(),
      postsubmits: z.array(TriggerJob).nullish(),
    })
    .default({}),
});

export interface InRepoJob {
  name: string;
  kind: JobKind;
  /** The triggers.yaml that defines it, relative to the repository. */
  triggersFile: string;
  /** Its pipeline file, relative to the repository; absent for a pipeline_run_spec written inline. */
  source?: string;
  /** An inline pipeline_run_spec, when there is no source file. */
  pipelineRunSpec?: Record<string, unknown>;
}

/** The triggers.yaml files of a repository, relative to its root, in a stable order. */
async function triggerFiles(root: string): Promise<string[]> {
  const dir = await realPathInRepository(root, '.lighthouse');
  const entries = dir ? await readdir(dir, { withFileTypes: true }) : [];
  return entries
    .filter((entry) => !entry.name.startsWith('.') && (entry.isDirectory() || entry.name === 'triggers.yaml'))
    .map((entry) =>
      entry.isDirectory() ? `.lighthouse/${entry.name}/triggers.yaml` : '.lighthouse/triggers.yaml',
    )
    .sort();
}

/** Finds the presubmit or postsubmit named `name` in the repository at `root`. */
export async function findInRepoJob(root: string, name: string, kind: JobKind): Promise<InRepoJob> {
  const found: { job: z.infer<typeof TriggerJob>; file: string }[] = [];
  const names: string[] = [];
  for (const file of await triggerFiles(root)) {
    const text = await readRepositoryFile(root, file);
    if (text === undefined) continue;
    const parsed = parseRepositoryYaml(text, file);
    if (parsed === null || parsed === undefined) continue;
    const config = TriggerConfig.safeParse(parsed);
    if (!config.success) {
      const issues = config.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new PipelineLoadError(`${file}: not a valid TriggerConfig: ${issues.join('; ')}`);
    }
    for (const job of config.data.spec[`${kind}s`] ?? []) {
      names.push(job.name);
      if (job.name === name) found.push({ job, file });
    }
  }
  const [first, duplicate] = found;
  if (duplicate) {
    throw new PipelineLoadError(
      `${kind} ${name} is defined more than once: in ${found.map((f) => f.file).join(' and ')}`,
    );
  }
  if (!first) {
    const known = names.length > 0 ? `; it has ${names.sort().join(', ')}` : '';
    throw new PipelineLoadError(
      `no ${kind} named ${name} in the repository's .lighthouse/*/triggers.yaml${known}`,
    );
  }
  return inRepoJob(first.job, kind, first.file);
}

function inRepoJob(job: z.infer<typeof TriggerJob>, kind: JobKind, triggersFile: string): InRepoJob {
  const where = `${kind} ${job.name} in ${triggersFile}`;
  if (job.source) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(job.source)) {
      throw new UnsupportedPipelineError(
        `${where}: source ${job.source} is a URL, which is not supported: the pipeline must be a file in the repository`,
      );
    }
    return {
      name: job.name,
      kind,
      triggersFile,
      source: posix.join(posix.dirname(triggersFile), job.source),
    };
  }
  if (job.pipeline_run_spec)
    return { name: job.name, kind, triggersFile, pipelineRunSpec: job.pipeline_run_spec };
  throw new PipelineLoadError(`${where} has neither a source file nor a pipeline_run_spec`);
}

/** The job's pipeline as a PipelineRun: its source file loaded, or its inline pipeline_run_spec. */
export async function loadJobPipeline(job: InRepoJob, options: LoadOptions): Promise<TektonPipelineRun> {
  if (job.source) return loadPipelineRun(job.source, options);
  const spec = TektonPipelineRunSpec.safeParse(job.pipelineRunSpec);
  if (!spec.success) {
    const issues = spec.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PipelineLoadError(
      `${job.kind} ${job.name} in ${job.triggersFile}: pipeline_run_spec: ${issues.join('; ')}`,
    );
  }
  return { apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', metadata: {}, spec: spec.data };
}
