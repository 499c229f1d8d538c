// The house's arrows (DESIGN.md): what each package and app may import, checked on every test run with
// `pnpm arrows`. Imports are followed through the workspace packages' source entries, type-only ones
// included, so a rule holds for what a bundle or a type declaration would pull in.
const kube = '^(packages/kube/|node_modules/.*@kubernetes/client-node/)';
const kubeFree = '^packages/(scm|config|plugins|http|cli|providers)/';
// Tests, benchmarks and test helpers may use testenv and fixtures; the rules are about shipped code.
const notShipped = '(\\.test\\.ts$|^[^/]+/[^/]+/(test|bench|scripts)/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-kube-in-light-packages',
      comment: 'scm, config, plugins, http and cli never reach Kubernetes code, so remote mode carries none',
      severity: 'error',
      from: { path: kubeFree, pathNot: notShipped },
      to: { path: kube, reachable: true },
    },
    {
      name: 'no-kube-in-client-root',
      comment: "metapipeline-client's root entry never reaches kube; only ./embedded does",
      severity: 'error',
      from: {
        path: '^packages/metapipeline-client/src/',
        pathNot: ['^packages/metapipeline-client/src/embedded/', notShipped],
      },
      to: { path: kube, reachable: true },
    },
    {
      name: 'scm-and-config-apart',
      comment: 'scm and config never import each other',
      severity: 'error',
      from: { path: '^packages/(scm|config)/', pathNot: notShipped },
      to: { path: '^packages/(scm|config)/', pathNot: '^packages/$1/' },
    },
    {
      name: 'http-and-cli-import-nothing-of-ours',
      comment: 'the plumbing both apps share stands alone',
      severity: 'error',
      from: { path: '^packages/(http|cli)/', pathNot: notShipped },
      to: { path: '^(packages|apps)/', pathNot: '^packages/$1/' },
    },
    {
      name: 'crds-imports-nothing-of-ours',
      severity: 'error',
      from: { path: '^packages/crds/', pathNot: notShipped },
      to: { path: '^(packages|apps)/', pathNot: '^packages/crds/' },
    },
    {
      name: 'packages-never-import-apps',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'lighthouse-never-imports-runner',
      severity: 'error',
      from: { path: '^apps/lighthouse/' },
      to: { path: '^apps/runner/' },
    },
    {
      name: 'e2e-imports-packages-not-app-sources',
      severity: 'error',
      from: { path: '^e2e/' },
      to: { path: '^apps/[^/]+/src/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that does not resolve cannot be checked',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules/\\.pnpm/[^/]+/node_modules/typescript)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      conditionNames: ['@lighthouse-ts/source', 'import', 'node', 'types', 'default'],
      exportsFields: ['exports'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.json', '.d.ts'],
    },
  },
};
