// What matching configs' Go regexps costs on RE2 (re2js, what compileGoRegExp compiles to) next to the
// backtracking RegExp it replaced (the same pattern as the old translation gave it to V8): typical patterns on
// typical input (per match, and compiling), then hostile input: the new engine up to 1 MB, the old one only
// on a few short names, since each character more doubles its time. Medians of 9 runs, in one process.
// Run: pnpm bench (or: node --conditions=@lighthouse-ts/source bench/regexp.ts).
import { compileGoRegExp, type GoMatcher } from '../src/go-regexp.ts';
import { defaultTriggerFor } from '../src/job-config.ts';

const runs = 9;

/** Median over `runs` of the time per call of `work`, run `times` times a run, in nanoseconds. */
function median(work: () => void, times: number): number {
  for (let i = 0; i < times; i++) work();
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < times; i++) work();
    samples.push(Number(process.hrtime.bigint() - start) / times);
  }
  return samples.sort((a, b) => a - b)[Math.floor(runs / 2)] ?? 0;
}

function go(source: string): GoMatcher {
  const compiled = compileGoRegExp(source);
  if (!compiled.ok) throw new Error(compiled.reason);
  return compiled.value.regexp;
}

const extensions = ['go', 'ts', 'md', 'yaml', 'json'];
const files = Array.from(
  { length: 500 },
  (_, i) =>
    `${['pkg', 'cmd', 'docs', 'charts/lighthouse/templates'][i % 4]}/part${i % 23}/file_${i}.${extensions[i % 5]}`,
);
const paragraph = 'Thanks for the review! I changed what you asked for, and the tests pass locally.\n';
const comment = `${paragraph.repeat(12)}/test unit\n`; // about 1 KB
const longComment = `${paragraph.repeat(800)}/test unit\n`.slice(-65_536); // GitHub's largest comment
const branches = ['main', 'release-1.2', 'feature/faster-regexps', 'dependabot/npm_and_yarn/yaml-2.9.1'];

interface Case {
  what: string;
  /** The Go pattern, as a config holds it. */
  source: string;
  /** What the old translation handed to V8 for it. */
  old: RegExp;
  inputs: readonly string[];
  /** Calls of the whole input list a run. */
  times: number;
}

const cases: Case[] = [
  {
    what: 'run_if_changed, 500 file names',
    source: '^(pkg|cmd)/.*\\.go$',
    old: /^(pkg|cmd)\/.*\.go$/,
    inputs: files,
    times: 40,
  },
  {
    what: 'skip_if_only_changed, 500 file names',
    source: '\\.md$|^docs/|^OWNERS$',
    old: /\.md$|^docs\/|^OWNERS$/,
    inputs: files,
    times: 40,
  },
  {
    what: 'run_if_changed with classes, 500 file names',
    source: '^charts/[^/]+/(templates|values)[\\w./-]*\\.ya?ml$',
    old: /^charts\/[^/]+\/(templates|values)[\w./-]*\.ya?ml$/,
    inputs: files,
    times: 40,
  },
  {
    what: 'branches, 4 branch names',
    source: '^main$|^release-\\d+\\.\\d+$',
    old: /^main$|^release-\d+\.\d+$/,
    inputs: branches,
    times: 5000,
  },
  {
    what: 'default trigger, a 1 KB comment',
    source: defaultTriggerFor('unit'),
    old: /^\/test( | .* )unit,?($|\s.*)/m,
    inputs: [comment],
    times: 2000,
  },
  {
    what: 'default trigger, a 64 KiB comment',
    source: defaultTriggerFor('unit'),
    old: /^\/test( | .* )unit,?($|\s.*)/m,
    inputs: [longComment],
    times: 50,
  },
  {
    what: '(?im) trigger, a 1 KB comment',
    source: '(?im)^/(?:lh-)?test\\s+e2e\\s*$',
    old: /^\/(?:lh-)?test\s+e2e\s*$/im,
    inputs: [comment],
    times: 2000,
  },
];

/** Counts matches, so that no match is optimised away. */
let matched = 0;

const format = (ns: number) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(2)} µs`);

console.log('| pattern, input | old: V8 RegExp, per input | new: RE2 (re2js), per input | new / old |');
console.log('|---|---|---|---|');
for (const { what, source, old, inputs, times } of cases) {
  const re2 = go(source);
  for (const input of inputs) {
    if (re2.test(input) !== old.test(input)) throw new Error(`${source} and ${old} differ on ${input}`);
  }
  const matchAll = (matcher: GoMatcher | RegExp) => () => {
    for (const input of inputs) if (matcher.test(input)) matched++;
  };
  const oldNs = median(matchAll(old), times) / inputs.length;
  const newNs = median(matchAll(re2), times) / inputs.length;
  console.log(`| ${what} | ${format(oldNs)} | ${format(newNs)} | ${(newNs / oldNs).toFixed(1)}× |`);
}

// V8 compiles a RegExp on its first match and caches the code by pattern, so only the new side is timed.
const sources = [...new Set(cases.map((c) => c.source))];
const compileAll = () => {
  for (const source of sources) if (go(source).test('')) matched++;
};
const compile = median(compileAll, 200) / sources.length;
console.log(`\nCompiling one of these patterns with compileGoRegExp, and a first match: ${format(compile)}`);

const nested = '^([\\w.-]+/?)+\\.go$';
console.log(`\nHostile input, new engine (RE2), one match; a backtracking engine does not finish these:\n`);
console.log('| pattern | input | answer | median |');
console.log('|---|---|---|---|');
// Each input holds the literals the pattern needs (`.go`, `b`, `unit`), so RE2 scans it all rather than
// skipping it after a quick search for them.
const hostile: [string, string, string][] = [
  [nested, "10,000 × 'a', then '.go!'", `${'a'.repeat(10_000)}.go!`],
  [nested, "100,000 × 'a/', then 'x.go!'", `${'a/'.repeat(100_000)}x.go!`],
  [nested, "500,000 × 'a/', then 'x.go!' (1 MB)", `${'a/'.repeat(500_000)}x.go!`],
  ['^(a|a)*b$', "100,000 × 'a', then 'cb'", `${'a'.repeat(100_000)}cb`],
  [defaultTriggerFor('unit'), "'/test', 1,000,000 spaces, 'unit!'", `/test${' '.repeat(1_000_000)}unit!`],
  [defaultTriggerFor('unit'), "'/test ', 1,000,000 commas, ' unit!'", `/test ${','.repeat(1_000_000)} unit!`],
  [defaultTriggerFor('unit'), "100,000 lines '/test  unit!'", '/test  unit!\n'.repeat(100_000)],
];
for (const [source, described, input] of hostile) {
  const re2 = go(source);
  const answer = re2.test(input);
  console.log(`| \`${source}\` | ${described} | ${answer} | ${format(median(() => re2.test(input), 1))} |`);
}

console.log(`\nThe same nested pattern on the old engine (V8 RegExp), short names only:\n`);
console.log('| input | median |');
console.log('|---|---|');
const oldNested = /^([\w.-]+\/?)+\.go$/;
for (const length of [16, 18, 20, 22]) {
  const input = `${'a'.repeat(length)}!`;
  console.log(`| ${length} × 'a', then '!' | ${format(median(() => oldNested.test(input), 1))} |`);
}
console.log(`\n(${matched} matches counted along the way, so that none was optimised away.)`);
