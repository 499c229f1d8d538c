import { describe, expect, it } from 'vitest';
import { flagsHelp } from './help.ts';

describe('flagsHelp', () => {
  it('lines the flags up under a header, with their variable, default, more columns and description', () => {
    const flags = [
      {
        flag: 'port',
        env: 'APP_PORT',
        default: '8080',
        value: 'n',
        description: 'TCP port',
        commands: 'serve',
      },
      { flag: 'log-level', env: 'LOG_LEVEL', description: 'how much to log', commands: 'serve, sync' },
    ];
    expect(flagsHelp(flags, { commands: (f) => f.commands })).toEqual([
      '  flag         environment  default  commands',
      '  --port <n>   APP_PORT     8080     serve        TCP port',
      '  --log-level  LOG_LEVEL             serve, sync  how much to log',
    ]);
    expect(flagsHelp(flags.slice(0, 1))).toEqual([
      '  flag        environment  default',
      '  --port <n>  APP_PORT     8080     TCP port',
    ]);
  });
});
