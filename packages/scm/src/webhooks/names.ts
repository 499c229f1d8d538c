import * as z from 'zod';

// What a repository's owner and name may be, on every provider we support: letters, digits, `_`, `-`, `.`
// and `~` (Bitbucket's personal projects), never `.` or `..` alone. Nothing a payload says may add a path
// segment (a `/` in a GitHub name) or dress one name as another (a space), since secrets are chosen by
// these names and jobs are named and cloned after them.
const segment = /(?!\.\.?(?:\/|$))[\w.~-]+/;

export const RepoName = z
  .string()
  .max(255)
  .regex(new RegExp(`^${segment.source}$`), 'must be a name of letters, digits, _ - . ~ (no / nor spaces)');

/** A GitLab project's whole path: its namespace (groups and subgroups) and its name. */
export const RepoPath = z
  .string()
  .max(1024)
  .regex(
    new RegExp(`^${segment.source}(?:/${segment.source})+$`),
    'expected namespace/name, each part of letters, digits, _ - . ~',
  );
