import * as z from 'zod';
import { type CustomResourceDefinition, customResourceDefinition, type PrinterColumn } from './crd.ts';
import { LighthouseJobSpec, LighthouseJobStatus, lighthouseJobType } from './lighthousejob.ts';
import { Param, PipelineRef, PipelineRunSpec, PipelineRunStatus, pipelineRunType } from './pipelinerun.ts';
import {
  CustomRunSpec,
  CustomRunStatus,
  customRunType,
  TaskRef,
  TaskRunSpec,
  TaskRunStatus,
  taskRunType,
} from './taskrun.ts';

/** The CRDs this project owns (Tekton's come from Tekton), as written to `manifests/`. */
export function ownedCustomResourceDefinitions(): CustomResourceDefinition[] {
  return [
    customResourceDefinition(lighthouseJobType, {
      spec: LighthouseJobSpec,
      status: LighthouseJobStatus,
      singular: 'lighthousejob',
      shortNames: ['lhjob'],
      printerColumns: [
        { name: 'Job', type: 'string', jsonPath: '.spec.job' },
        {
          name: 'BuildId',
          type: 'string',
          jsonPath: `.metadata.labels.lighthouse\\.jenkins-x\\.io/buildNum`,
        },
        { name: 'Type', type: 'string', jsonPath: '.spec.type' },
        { name: 'Org', type: 'string', jsonPath: '.spec.refs.org' },
        { name: 'Repo', type: 'string', jsonPath: '.spec.refs.repo' },
        { name: 'State', type: 'string', jsonPath: '.status.state' },
        { name: 'Description', type: 'string', jsonPath: '.status.description' },
      ],
    }),
  ];
}

/** The annotation on every stand-in CRD; its value says what the CRD stands in for. */
export const standInAnnotation = 'lighthouse-ts.dev/stand-in';

export type StandInCustomResourceDefinition = CustomResourceDefinition & {
  metadata: { annotations: Record<string, string> };
};

// A param's or result's value is a string, an array or an object. A union has no structural schema, so the
// stand-ins keep the value as it comes, as Tekton's own CRDs do.
const params = z.array(Param.omit({ value: true })).optional();
const results = z.array(z.looseObject({ name: z.string() })).optional();

// What `kubectl get` shows for Tekton's runs.
const succeeded = '.status.conditions[?(@.type=="Succeeded")]';
const runColumns: PrinterColumn[] = [
  { name: 'Succeeded', type: 'string', jsonPath: `${succeeded}.status` },
  { name: 'Reason', type: 'string', jsonPath: `${succeeded}.reason` },
  { name: 'StartTime', type: 'date', jsonPath: '.status.startTime' },
  { name: 'CompletionTime', type: 'date', jsonPath: '.status.completionTime' },
];

/**
 * Stand-ins for Tekton's CRDs of PipelineRun and TaskRun (`tekton.dev/v1`) and CustomRun (`v1beta1`, as
 * Tekton serves it), generated from our schemas, for a cluster without Tekton: the names, versions and
 * printer columns are Tekton's, the validation is only ours, and each carries {@link standInAnnotation}.
 * Install Tekton's own CRDs wherever you can; these let the API server store the runs lighthouse writes
 * when you cannot (`scripts/dev start` from a bare clone).
 */
export function tektonStandInCustomResourceDefinitions(): StandInCustomResourceDefinition[] {
  const standIn = (crd: CustomResourceDefinition): StandInCustomResourceDefinition => ({
    ...crd,
    metadata: {
      ...crd.metadata,
      annotations: {
        [standInAnnotation]:
          "for Tekton Pipelines' own CRD: generated from @lighthouse-ts/crds for a cluster without Tekton",
      },
    },
  });
  return [
    customResourceDefinition(pipelineRunType, {
      spec: PipelineRunSpec.extend({ params, pipelineRef: PipelineRef.extend({ params }).optional() }),
      status: PipelineRunStatus.extend({ results }),
      singular: 'pipelinerun',
      shortNames: ['pr', 'prs'],
      printerColumns: runColumns,
    }),
    customResourceDefinition(taskRunType, {
      spec: TaskRunSpec.extend({ params, taskRef: TaskRef.extend({ params }).optional() }),
      status: TaskRunStatus.extend({ results }),
      singular: 'taskrun',
      shortNames: ['tr', 'trs'],
      printerColumns: runColumns,
    }),
    customResourceDefinition(customRunType, {
      spec: CustomRunSpec.extend({ params, customRef: TaskRef.extend({ params }).optional() }),
      status: CustomRunStatus,
      singular: 'customrun',
      printerColumns: runColumns,
    }),
  ].map(standIn);
}
