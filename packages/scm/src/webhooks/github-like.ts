import * as z from 'zod';
import { RepoName } from './names.ts';

// Gitea's webhook payloads follow GitHub's shapes; these are the parts both normalisers read alike.

export const User = z.object({ login: z.string().min(1), id: z.number() });

export const Repository = z.object({
  name: RepoName,
  owner: z.object({ login: RepoName }),
  clone_url: z.string(),
  html_url: z.string(),
});

export const Action = z.object({ action: z.string() });

/** The files a push's commits touched, when it lists them. */
export const PushCommits = z
  .array(
    z.object({
      added: z.array(z.string()).nullish(),
      removed: z.array(z.string()).nullish(),
      modified: z.array(z.string()).nullish(),
    }),
  )
  .nullish();
