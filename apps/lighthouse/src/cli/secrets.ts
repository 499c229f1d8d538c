import { readFileSync } from 'node:fs';
import { parseScopedSecrets } from '@lighthouse-ts/config';
import { mergeSecrets, sharedSecrets, type WebhookSecrets } from '@lighthouse-ts/scm/webhooks';

export interface SecretFiles {
  /** One secret per line, for every repository. */
  shared?: string;
  /** Prow's format: secrets by `*`, `org` or `org/repo`. */
  scoped?: string;
}

/** Reads both files now; throws with the file and the reason when one is unreadable or invalid. */
export function readSecretFiles(files: SecretFiles): WebhookSecrets {
  const shared = files.shared
    ? sharedSecrets(
        readFileSync(files.shared, 'utf8')
          .split('\n')
          .map((line) => line.trim()),
      )
    : new Map();
  const scoped = files.scoped
    ? parseScopedSecrets(readFileSync(files.scoped, 'utf8'), files.scoped)
    : new Map();
  return mergeSecrets(shared, scoped);
}
