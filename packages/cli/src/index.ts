export {
  type CommandLine,
  type Env,
  type Flag,
  FlagError,
  flagError,
  parseFlags,
  type ReadOptions,
  readFlags,
  type SettingIssue,
  validated,
} from './flags.ts';
export { flagsHelp } from './help.ts';
export { boolean, integer } from './values.ts';
