import { describe, expect, it } from 'vitest';
import { cloneUrlOf, webUrlOf } from './clone-url.ts';
import type { Provider } from './events.ts';

/** As dispatch uses it by default: the one web root the API root says. */
const isCloneUrlOf = (
  provider: Provider,
  apiUrl: string,
  repo: { owner: string; name: string },
  url: string,
) => cloneUrlOf(provider, [webUrlOf(provider, apiUrl)], repo, url) !== undefined;

const repo = { owner: 'acme', name: 'rocket' };

describe('isCloneUrlOf', () => {
  it("accepts each provider's clone URL of the repository the event names", () => {
    expect(isCloneUrlOf('github', 'https://api.github.com', repo, 'https://github.com/acme/rocket.git')).toBe(
      true,
    );
    expect(isCloneUrlOf('github', 'https://api.github.com', repo, 'https://github.com/Acme/Rocket')).toBe(
      true,
    );
    expect(
      isCloneUrlOf(
        'github',
        'https://ghe.example.com/api/v3',
        repo,
        'https://ghe.example.com/acme/rocket.git',
      ),
    ).toBe(true);
    const group = { owner: 'acme/platform', name: 'rocket' };
    expect(
      isCloneUrlOf(
        'gitlab',
        'https://gitlab.com/api/v4',
        group,
        'https://gitlab.com/acme/platform/rocket.git',
      ),
    ).toBe(true);
    expect(
      isCloneUrlOf(
        'gitea',
        'https://git.example.com/gitea/api/v1',
        repo,
        'https://git.example.com/gitea/acme/rocket.git',
      ),
    ).toBe(true);
    const project = { owner: 'ACME', name: 'rocket' };
    expect(
      isCloneUrlOf(
        'bitbucketserver',
        'https://bb.example.com/bitbucket',
        project,
        'https://bb.example.com/bitbucket/scm/acme/rocket.git',
      ),
    ).toBe(true);
    // A server reached over plain HTTP may clone over it.
    expect(isCloneUrlOf('gitea', 'http://gitea:3000/api/v1', repo, 'http://gitea:3000/acme/rocket.git')).toBe(
      true,
    );
  });

  it.each([
    ['another host', 'https://evil.example.com/acme/rocket.git'],
    ['a look-alike host', 'https://github.com.evil.example.com/acme/rocket.git'],
    ['another repository', 'https://github.com/acme/other.git'],
    ["another owner's fork", 'https://github.com/mallory/rocket.git'],
    ['a path below the repository', 'https://github.com/acme/rocket/tree/main'],
    ['a path climbing out', 'https://github.com/acme/rocket/../../mallory/rocket.git'],
    ['credentials in it', 'https://user:token@github.com/acme/rocket.git'],
    ['a query', 'https://github.com/acme/rocket.git?upload-pack=sh'],
    ['plain HTTP to an HTTPS provider', 'http://github.com/acme/rocket.git'],
    ['another port', 'https://github.com:8443/acme/rocket.git'],
    ['a local file', 'file:///var/run/secrets/acme/rocket.git'],
    ['an ext:: transport', 'ext::sh -c touch% /tmp/pwned'],
    ['SSH', 'git@github.com:acme/rocket.git'],
    ['a malformed escape', 'https://github.com/acme/%E0%A4%A.git'],
  ])('refuses %s', (_, url) => {
    expect(isCloneUrlOf('github', 'https://api.github.com', repo, url)).toBe(false);
  });
});

describe('webUrlOf and several web roots', () => {
  it('derives the web root from the API root', () => {
    expect(webUrlOf('github', 'https://api.github.com')).toBe('https://github.com');
    expect(webUrlOf('github', 'https://ghe.example.com/api/v3')).toBe('https://ghe.example.com');
    expect(webUrlOf('gitlab', 'https://gitlab.example.com/gitlab/api/v4')).toBe(
      'https://gitlab.example.com/gitlab',
    );
    expect(webUrlOf('gitea', 'http://gitea:3000/api/v1/')).toBe('http://gitea:3000');
    expect(webUrlOf('bitbucketserver', 'https://bb.example.com/ctx')).toBe('https://bb.example.com/ctx');
  });

  it('accepts a clone URL under any of the roots given, and none under another', () => {
    const roots = ['https://git.example.com', 'https://git-mirror.example.com'];
    expect(cloneUrlOf('gitea', roots, repo, 'https://git-mirror.example.com/acme/rocket.git')).toBe(
      'https://git-mirror.example.com/acme/rocket.git',
    );
    expect(cloneUrlOf('gitea', roots, repo, 'https://git.example.com/Acme/Rocket.GIT')).toBe(
      'https://git.example.com/acme/rocket.git',
    );
    expect(cloneUrlOf('gitea', roots, repo, 'https://example.com/acme/rocket.git')).toBeUndefined();
    expect(cloneUrlOf('gitea', [], repo, 'https://git.example.com/acme/rocket.git')).toBeUndefined();
  });
});

describe('what git is given', () => {
  it('is built from the root and the repository, never the payload: a string git reads differently clones the repository all the same', () => {
    const roots = ['https://github.com'];
    // WHATWG reads host github.com and path /acme/rocket; curl, behind git, connects to evil.example.
    const tricky = 'https://github.com\\@evil.example/../acme/rocket';
    expect(cloneUrlOf('github', roots, repo, tricky)).toBe('https://github.com/acme/rocket.git');
    expect(cloneUrlOf('github', roots, repo, 'https:github.com/acme/rocket')).toBe(
      'https://github.com/acme/rocket.git',
    );
    const bitbucket = cloneUrlOf(
      'bitbucketserver',
      ['https://bb.example.com/ctx'],
      { owner: 'ACME', name: 'rocket' },
      'https://bb.example.com/ctx/scm/acme/rocket.git',
    );
    expect(bitbucket).toBe('https://bb.example.com/ctx/scm/ACME/rocket.git');
  });
});
