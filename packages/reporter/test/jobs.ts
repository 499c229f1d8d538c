// Test helper: LighthouseJobs as the reporter reads them, for a pull request or a push.
import { labels, ownLabels, type ReportWishes, reportLabel } from '@lighthouse-ts/crds';
import type { ReportedJob } from '../src/report.ts';

export interface JobFields {
  name?: string;
  state?: NonNullable<ReportedJob['status']>['state'];
  lastReportState?: string;
  description?: string;
  context?: string;
  build?: number;
  pull?: number;
  sha?: string;
  wishes?: ReportWishes;
  provider?: string;
  startTime?: string;
  completionTime?: string;
}

export function pullRequestJob(fields: JobFields = {}): ReportedJob {
  const name = fields.name ?? `job-${fields.build ?? 1}`;
  return {
    apiVersion: 'lighthouse.jenkins.io/v1alpha1',
    kind: 'LighthouseJob',
    metadata: {
      name,
      namespace: 'jx',
      labels: {
        [labels.buildNum]: String(fields.build ?? 1),
        [labels.branch]: `PR-${fields.pull ?? 7}`,
        [ownLabels.provider]: fields.provider ?? 'github',
        ...(fields.wishes ? { [ownLabels.report]: reportLabel(fields.wishes) } : {}),
      },
    },
    spec: {
      type: 'presubmit',
      job: fields.context ?? 'unit',
      context: fields.context ?? 'unit',
      rerun_command: `/test ${fields.context ?? 'unit'}`,
      refs: {
        org: 'octo',
        repo: 'hello',
        base_sha: 'b'.repeat(40),
        pulls: [{ number: fields.pull ?? 7, author: 'mona', sha: fields.sha ?? 'a'.repeat(40) }],
      },
    },
    status: {
      ...(fields.state ? { state: fields.state } : {}),
      ...(fields.lastReportState ? { lastReportState: fields.lastReportState } : {}),
      ...(fields.description ? { description: fields.description } : {}),
      ...(fields.startTime ? { startTime: fields.startTime } : {}),
      ...(fields.completionTime ? { completionTime: fields.completionTime } : {}),
    },
  };
}
