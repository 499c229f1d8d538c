import { ProviderError, ProviderUnavailableError } from '@lighthouse-ts/scm';
import { describe, expect, it } from 'vitest';
import { approversOf, directoriesOf, leafApprovers, ownersGroups, readOwners } from './owners.ts';

const read = (files: Record<string, string>) => {
  const asked: string[] = [];
  return {
    asked,
    read: async (path: string) => {
      asked.push(path);
      return files[path];
    },
  };
};

describe('OWNERS for changed files', () => {
  it("reads each directory's OWNERS above the files once, and OWNERS_ALIASES", async () => {
    const source = read({ OWNERS: 'approvers: [root]\n' });
    await readOwners(['a/b/one.go', 'a/b/two.go', 'a/c.go', 'top.md'], 500, source.read);
    expect(source.asked.sort()).toEqual(['OWNERS', 'OWNERS_ALIASES', 'a/OWNERS', 'a/b/OWNERS']);
    expect(directoriesOf('a/b/c.go')).toEqual(['a/b', 'a', '']);
    expect(directoriesOf('top.md')).toEqual(['']);
  });

  it('reads nothing for a change above more directories than the limit, saying how many', async () => {
    const source = read({ OWNERS: 'approvers: [root]\n' });
    const tree = await readOwners(['a/b/one.go'], 2, source.read);
    expect(source.asked).toEqual([]);
    expect(tree.directories).toBe(3);
    expect(tree.files.size).toBe(0);
  });

  it('names an OWNERS the provider refuses (too large) as unreadable, and throws when it cannot be asked', async () => {
    const refusing = async (path: string) => {
      if (path === 'a/OWNERS') throw new ProviderError('a/OWNERS is larger than 256 KiB', 200);
      return path === 'OWNERS' ? 'approvers: [root]\n' : undefined;
    };
    const tree = await readOwners(['a/x'], 10, refusing);
    expect(tree.unreadable).toEqual([{ path: 'a/OWNERS', reason: 'a/OWNERS is larger than 256 KiB' }]);
    expect([...tree.files.keys()]).toEqual(['']);
    const down = async () => {
      throw new ProviderUnavailableError('GitHub answered 502');
    };
    await expect(readOwners(['a/x'], 10, down)).rejects.toThrow(ProviderUnavailableError);
  });

  it('groups files under the highest needed OWNERS, stopping at no_parent_owners', async () => {
    const { read: files } = read({
      OWNERS: 'approvers: [root]\n',
      'a/OWNERS': 'approvers: [alice]\n',
      'a/deep/OWNERS': 'approvers: [dee]\n',
      'b/OWNERS': 'approvers: [bob]\noptions:\n  no_parent_owners: true\n',
      'b/inner/OWNERS': 'approvers: [ian]\n',
    });
    const changed = ['a/x', 'a/deep/y', 'b/z', 'b/inner/w'];
    const tree = await readOwners(changed, 500, files);
    // Only a/ and b/ are needed: the root is not, so a/deep folds into a/, and b/inner into b/.
    expect([...ownersGroups(tree, changed)]).toEqual([
      ['a', ['a/x', 'a/deep/y']],
      ['b', ['b/z', 'b/inner/w']],
    ]);
    expect([...approversOf(tree, 'a/deep/y')].sort()).toEqual(['alice', 'dee', 'root']);
    expect([...approversOf(tree, 'b/inner/w')].sort()).toEqual(['bob', 'ian']);
    expect(leafApprovers(tree, 'b/inner/w')).toEqual(['ian']);
    // A file no OWNERS names approvers for is the root's, which here names only root.
    expect([...ownersGroups(tree, ['c/v'])]).toEqual([['', ['c/v']]]);
  });

  it('expands aliases, and reads a large change with a bounded number of reads at once', async () => {
    let open = 0;
    let most = 0;
    const files = async (path: string) => {
      open++;
      most = Math.max(most, open);
      await new Promise((resolve) => setImmediate(resolve));
      open--;
      if (path === 'OWNERS_ALIASES') return 'aliases:\n  team: [ann, ben]\n';
      return path === 'OWNERS' ? 'approvers: [team]\n' : undefined;
    };
    const changed = Array.from({ length: 200 }, (_, i) => `dir${i}/file`);
    const tree = await readOwners(changed, 500, files);
    expect([...approversOf(tree, 'dir7/file')]).toEqual(['ann', 'ben']);
    expect(most).toBe(8);
  });
});
