// Test helper: what the meta PipelineRun's step would see, read from the PipelineRun the client created.
import type { PipelineRun } from '@lighthouse-ts/crds';
import type { KubeClient } from '@lighthouse-ts/kube';
import type { MetaPipelineClient, MetaPipelineRequest } from '@lighthouse-ts/metapipeline-client';
import { PipelineSpec } from '../src/inrepo/tekton.ts';

export interface StartedMetaPipeline {
  namespace: string;
  /** The LighthouseJob's name, which its meta PipelineRun shares. */
  name: string;
  /** The environment the meta PipelineRun gives its step. */
  env: Record<string, string>;
}

/** Starts a meta-pipeline with the client and reads the environment its step would run with. */
export async function startMetaPipeline(
  client: MetaPipelineClient,
  kube: KubeClient,
  request: MetaPipelineRequest,
): Promise<StartedMetaPipeline> {
  const { ref } = await client.create(request);
  const run = await kube.pipelineRuns.get(ref.namespace, ref.name);
  return { ...ref, env: stepEnvOf(run) };
}

/** The step's environment: its `env`, with `$(params.X)` replaced by the PipelineRun's parameter values. */
export function stepEnvOf(run: PipelineRun): Record<string, string> {
  const params = new Map(run.spec.params?.map((param) => [param.name, String(param.value)]));
  const steps = PipelineSpec.parse(run.spec.pipelineSpec).tasks?.flatMap(
    (task) => task.taskSpec?.steps ?? [],
  );
  if (steps?.length !== 1)
    throw new Error(`expected one step in the meta PipelineRun, found ${steps?.length}`);
  return Object.fromEntries(
    (steps[0]?.env ?? []).map(({ name, value = '' }) => [
      name,
      value.replace(/\$\(params\.([^)]+)\)/g, (_, param: string) => params.get(param) ?? ''),
    ]),
  );
}

/**
 * A repository's `.lighthouse/` as a project would write it: a presubmit `github` whose pipeline clones
 * with the catalog's git-clone task (the Pipeline of Lighthouse's start-pullrequest test data, inline),
 * and a postsubmit `release`, a v1beta1 Task that uses steps from another file of the repository.
 */
export const lighthouseFiles: Record<string, string> = {
  '.lighthouse/jenkins-x/triggers.yaml': `apiVersion: config.lighthouse.jenkins-x.io/v1alpha1
kind: TriggerConfig
spec:
  presubmits:
    - name: github
      context: github
      always_run: true
      source: pullrequest.yaml
  postsubmits:
    - name: release
      source: release.yaml
`,
  '.lighthouse/jenkins-x/pullrequest.yaml': `apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: github
spec:
  pipelineSpec:
    params:
      - name: repo-url
        type: string
        description: The git repository URL to clone from.
      - name: branch-name
        type: string
        description: The git branch to clone.
    workspaces:
      - name: shared-data
    tasks:
      - name: fetch-repo
        taskRef:
          name: git-clone
        workspaces:
          - name: output
            workspace: shared-data
        params:
          - name: url
            value: $(params.repo-url)
          - name: revision
            value: $(params.branch-name)
      - name: cat-readme
        runAfter: [fetch-repo]
        workspaces:
          - name: source
            workspace: shared-data
        taskSpec:
          workspaces:
            - name: source
          steps:
            - image: zshusers/zsh:4.3.15
              script: cat $(workspaces.source.path)/README.md
  workspaces:
    - name: shared-data
      emptyDir: {}
`,
  '.lighthouse/jenkins-x/release.yaml': `apiVersion: tekton.dev/v1beta1
kind: Task
metadata:
  name: release
spec:
  steps:
    - image: uses:.lighthouse/jenkins-x/steps.yaml
      name: publish
`,
  '.lighthouse/jenkins-x/steps.yaml': `apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: steps
spec:
  steps:
    - name: test
      image: golang:1.26
      script: go test ./...
    - name: publish
      image: golang:1.26
      script: make publish
`,
};
