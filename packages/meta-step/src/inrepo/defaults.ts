// The Lighthouse parameters every in-repo pipeline declares and passes to each task, so its steps see
// them as parameters and as environment variables (pkg/triggerconfig/inrepo/default_parameters.go).

import type { Param } from '@lighthouse-ts/crds';
import { fillDescription, mergeByName, toParams } from './params.ts';
import type { EnvVar, ParamSpec, PipelineTask, TektonPipelineRun } from './tekton.ts';

/** Set to "false" on a pipeline to leave its parameters as they are. */
export const defaultParametersAnnotation = 'lighthouse.jenkins-x.io/defaultParameters';

const optional = { default: '' };

/** The Lighthouse parameters, in Lighthouse's order, with Lighthouse's descriptions. */
export const lighthouseParameterSpecs: readonly ParamSpec[] = [
  { name: 'BUILD_ID', type: 'string', description: 'the unique build number' },
  { name: 'JOB_NAME', type: 'string', description: 'the name of the job which is the trigger context name' },
  { name: 'JOB_SPEC', type: 'string', description: 'the specification of the job' },
  { name: 'JOB_TYPE', type: 'string', description: "'the kind of job: postsubmit or presubmit'" },
  { name: 'PULL_BASE_REF', type: 'string', description: 'the base git reference of the pull request' },
  { name: 'PULL_BASE_SHA', type: 'string', description: 'the git sha of the base of the pull request' },
  { name: 'PULL_NUMBER', type: 'string', description: 'git pull request number', ...optional },
  {
    name: 'PULL_PULL_REF',
    type: 'string',
    description: "git pull request ref in the form 'refs/pull/$PULL_NUMBER/head'",
    ...optional,
  },
  {
    name: 'PULL_PULL_SHA',
    type: 'string',
    description: 'git revision to checkout (branch, tag, sha, ref…)',
    ...optional,
  },
  {
    name: 'PULL_REFS',
    type: 'string',
    description:
      "git pull reference strings of base and latest in the form 'master:$PULL_BASE_SHA,$PULL_NUMBER:$PULL_PULL_SHA:refs/pull/$PULL_NUMBER/head'",
  },
  { name: 'REPO_NAME', type: 'string', description: 'git repository name' },
  { name: 'REPO_OWNER', type: 'string', description: 'git repository owner (user or organisation)' },
  { name: 'REPO_URL', type: 'string', description: 'git url to clone' },
];

const lighthouseParams: readonly Param[] = toParams(lighthouseParameterSpecs) ?? [];

/** Declares the Lighthouse parameters on the pipeline and each inline task, and passes them to every task. */
export function addLighthouseParameters(run: TektonPipelineRun): void {
  if (run.metadata.annotations?.[defaultParametersAnnotation] === 'false') return;
  const pipeline = run.spec.pipelineSpec;
  if (!pipeline) return;
  pipeline.params = addParamSpecs(pipeline.params);
  for (const task of [...(pipeline.tasks ?? []), ...(pipeline.finally ?? [])]) addToTask(task);
  // A workspace bound to nothing would fail validation: give it an emptyDir, as Lighthouse does.
  for (const workspace of run.spec.workspaces ?? []) {
    if (!volumeSources.some((source) => workspace[source] !== undefined)) workspace.emptyDir = {};
  }
}

const volumeSources = [
  'emptyDir',
  'persistentVolumeClaim',
  'volumeClaimTemplate',
  'configMap',
  'secret',
  'projected',
  'csi',
] as const;

function addToTask(task: PipelineTask): void {
  task.params = mergeByName(task.params, lighthouseParams, (existing, used) => {
    if (existing.value === '') existing.value = used.value;
  });
  if (!task.taskSpec) return;
  task.taskSpec.params = addParamSpecs(task.taskSpec.params);
  task.taskSpec.stepTemplate ??= {};
  const asEnv: EnvVar[] = lighthouseParams.map((p) => ({ name: p.name, value: String(p.value) }));
  task.taskSpec.stepTemplate.env = mergeByName(task.taskSpec.stepTemplate.env, asEnv, (existing, used) => {
    if (!existing.value) existing.value = used.value;
  });
}

function addParamSpecs(specs: ParamSpec[] | undefined): ParamSpec[] | undefined {
  return mergeByName(specs, lighthouseParameterSpecs, (existing, used) => {
    fillDescription(existing, used);
    existing.type ||= used.type;
  });
}
