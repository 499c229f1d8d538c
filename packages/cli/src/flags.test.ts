import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type Flag, FlagError, flagError, parseFlags, readFlags, validated } from './flags.ts';
import { boolean, integer } from './values.ts';

const flags: readonly Flag[] = [
  { flag: 'port', env: 'APP_PORT', default: '8080', description: 'TCP port' },
  { flag: 'token-file', key: 'tokenFile', env: 'APP_TOKEN_FILE', description: 'bearer token file' },
  { flag: 'verbose', env: 'APP_VERBOSE', boolean: true, default: 'false', description: 'log more' },
];
const Settings = z.object({
  port: integer(0, 65_535),
  tokenFile: z.string({ error: 'is required' }),
  verbose: boolean,
});

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FlagError);
    return (error as Error).message;
  }
  throw new Error('expected a FlagError');
}

describe('parseFlags', () => {
  it('takes the flag over its variable, the variable over the default, and an empty variable as unset', () => {
    expect(parseFlags(flags, Settings, ['--token-file=/t'], {})).toEqual({
      port: 8080,
      tokenFile: '/t',
      verbose: false,
    });
    const env = { APP_PORT: '9000', APP_TOKEN_FILE: '/env', APP_VERBOSE: 'yes' };
    expect(parseFlags(flags, Settings, [], env)).toEqual({ port: 9000, tokenFile: '/env', verbose: true });
    expect(parseFlags(flags, Settings, ['--port', '1', '--token-file', '/flag'], env)).toMatchObject({
      port: 1,
      tokenFile: '/flag',
    });
    expect(parseFlags(flags, Settings, ['--verbose'], { APP_TOKEN_FILE: '/t' }).verbose).toBe(true);
    expect(parseFlags(flags, Settings, [], { APP_TOKEN_FILE: '/t', APP_PORT: '' }).port).toBe(8080);
  });

  it('names every wrong flag at once, with its variable, the reason and the value it got', () => {
    expect(refusal(() => parseFlags(flags, Settings, ['--port=-1'], { APP_VERBOSE: 'maybe' }))).toBe(
      [
        'invalid settings:',
        '  --port (APP_PORT): must be a whole number, got "-1"',
        '  --token-file (APP_TOKEN_FILE): is required',
        '  --verbose (APP_VERBOSE): must be true or false, got "maybe"',
      ].join('\n'),
    );
  });

  it("never echoes a URL's user, password, path or query, even one that does not parse", () => {
    const Url = z.object({ url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }) });
    const urlFlag = [{ flag: 'url', env: 'APP_URL', description: 'where' }];
    expect(refusal(() => parseFlags(urlFlag, Url, ['--url=ftp://bot:hunter2@runner:8080/'], {}))).toBe(
      'invalid settings:\n  --url (APP_URL): must be an http or https URL, got "ftp://***@runner:8080/…"',
    );
    for (const [given, echoed] of [
      ['http://svc:s3cr3t@runner:99999', 'http://***@runner:99999'],
      ['https://x:ghp_s3cr3t@ghe host/api/v3', 'https://***@ghe/…'],
      ['ftp://runner/?token=s3cr3t', 'ftp://runner/…'],
    ]) {
      expect(refusal(() => parseFlags(urlFlag, Url, [`--url=${given}`], {}))).toContain(`got "${echoed}"`);
    }
  });

  it('refuses unknown flags, arguments, and a value for a flag that takes none', () => {
    expect(refusal(() => parseFlags(flags, Settings, ['--loud'], {}))).toContain("Unknown option '--loud'");
    expect(refusal(() => parseFlags(flags, Settings, ['extra'], {}))).toContain(
      "Unexpected argument 'extra'",
    );
    expect(refusal(() => parseFlags(flags, Settings, ['--verbose=no'], {}))).toContain('--verbose');
    expect(refusal(() => parseFlags(flags, Settings, ['-h'], {}))).toContain("Unknown option '-h'");
  });
});

describe('readFlags and validated', () => {
  it('reads arguments and --help when asked, and which flags were given', () => {
    const line = readFlags(
      flags,
      ['serve', '--port', '1', 'now'],
      { APP_TOKEN_FILE: '/t' },
      { positionals: true },
    );
    expect(line).toEqual({
      input: { port: '1', tokenFile: '/t', verbose: 'false' },
      given: [flags[0]],
      positionals: ['serve', 'now'],
      help: false,
    });
    expect(readFlags(flags, ['-h'], {}, { help: true }).help).toBe(true);
    expect(readFlags(flags, ['--help'], {}, { help: true }).help).toBe(true);
  });

  it('validates only the settings of the flags it is given, adding issues the schema cannot state', () => {
    const { input } = readFlags(flags, ['--port=x'], {});
    const PortOnly = z.strictObject({ verbose: boolean });
    expect(validated([flags[2] as Flag], PortOnly, input)).toEqual({ verbose: false });
    const more = [
      { path: ['verbose'], message: 'contradicts --port' },
      { path: [], message: 'not today' },
    ];
    expect(refusal(() => validated([flags[2] as Flag], PortOnly, input, more))).toBe(
      'invalid settings:\n  --verbose (APP_VERBOSE): contradicts --port, got "false"\n  settings: not today',
    );
  });
});

describe('flagError', () => {
  it('names a flag whose value fails later as the other errors do', () => {
    const error = flagError(flags, 'tokenFile', 'cannot read the token file /t: ENOENT');
    expect(error).toBeInstanceOf(FlagError);
    expect(error.message).toBe(
      'invalid settings:\n  --token-file (APP_TOKEN_FILE): cannot read the token file /t: ENOENT',
    );
  });
});
