import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('finds the nearest testenv.json above a directory and resolves its paths against it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'testenv-config-'));
    await writeFile(join(root, 'testenv.json'), JSON.stringify({ crds: ['crds', '/abs/tekton'] }));
    const nested = join(root, 'packages', 'a');
    await mkdir(nested, { recursive: true });
    expect(await loadConfig(nested)).toEqual({ crds: [join(root, 'crds'), '/abs/tekton'] });
  });

  it('says which file is wrong', async () => {
    const root = await mkdtemp(join(tmpdir(), 'testenv-config-'));
    await writeFile(join(root, 'testenv.json'), JSON.stringify({ crds: 'crds' }));
    await expect(loadConfig(root)).rejects.toThrow(
      `${join(root, 'testenv.json')}: "crds" must be a list of paths`,
    );
  });
});
