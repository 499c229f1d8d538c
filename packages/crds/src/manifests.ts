import { type CustomResourceDefinition, customResourceDefinition } from './crd.ts';
import { LighthouseJobSpec, LighthouseJobStatus, lighthouseJobType } from './lighthousejob.ts';

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
