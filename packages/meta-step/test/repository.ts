// Test helper: a real bare git repository ("the Git server") with a work clone to write commits from.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const author = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
};

export class TestRepository {
  /** The directory holding the bare repository and the work clone; remove() deletes it. */
  readonly root: string;
  /** The bare repository's directory. */
  readonly path: string;
  /** Its `file://` URL: what a meta step clones from (REPO_URL). */
  readonly url: string;
  readonly #work: string;

  private constructor(root: string) {
    this.root = root;
    this.path = join(root, 'origin.git');
    this.url = pathToFileURL(this.path).href;
    this.#work = join(root, 'work');
  }

  /** An empty bare repository; the first commit makes its first branch. */
  static async create(): Promise<TestRepository> {
    const repository = new TestRepository(await mkdtemp(join(tmpdir(), 'meta-step-repo-')));
    await repository.#git(
      repository.root,
      'init',
      '--quiet',
      '--bare',
      '--initial-branch=main',
      'origin.git',
    );
    await repository.#git(repository.root, 'init', '--quiet', '--initial-branch=main', 'work');
    return repository;
  }

  /**
   * Commits `files` (path to content; null deletes; `{ symlink }` makes a symbolic link to that target) on
   * `branch`, created from `from` when new, and pushes it. Returns the commit's SHA.
   */
  async commit(
    branch: string,
    files: Record<string, string | null | { symlink: string }>,
    { from = 'main', message = `change ${branch}` }: { from?: string; message?: string } = {},
  ): Promise<string> {
    const exists = await this.#git(this.#work, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`)
      .then(() => true)
      .catch(() => false);
    const hasCommits = await this.#git(this.#work, 'rev-parse', '--verify', '--quiet', 'HEAD')
      .then(() => true)
      .catch(() => false);
    if (exists) await this.#git(this.#work, 'checkout', '--quiet', branch);
    else if (hasCommits) await this.#git(this.#work, 'checkout', '--quiet', '-b', branch, from);
    else await this.#git(this.#work, 'symbolic-ref', 'HEAD', `refs/heads/${branch}`);
    for (const [path, content] of Object.entries(files)) {
      const file = join(this.#work, path);
      if (content === null) {
        await rm(file);
        continue;
      }
      await mkdir(dirname(file), { recursive: true });
      if (typeof content === 'string') {
        await writeFile(file, content);
      } else {
        await rm(file, { force: true });
        await symlink(content.symlink, file);
      }
    }
    await this.#git(this.#work, 'add', '--all');
    await this.#git(this.#work, 'commit', '--quiet', '--allow-empty', '-m', message);
    await this.#git(this.#work, 'push', '--quiet', this.url, `${branch}:${branch}`);
    return this.#git(this.#work, 'rev-parse', 'HEAD');
  }

  remove(): Promise<void> {
    return rm(this.root, { recursive: true, force: true });
  }

  async #git(cwd: string, ...args: string[]): Promise<string> {
    const { stdout } = await execFileAsync('git', args, { cwd, env: { ...process.env, ...author } });
    return stdout.trim();
  }
}

/** Runs git in `dir` and returns its output; for assertions on what a checkout produced. */
export async function gitOutput(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd: dir });
  return stdout.trim();
}
