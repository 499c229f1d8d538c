// What refusing an unsigned webhook costs, by how many secrets are configured: a 25 MiB body (GitHub's cap)
// that claims a repository, with a signature that matches no secret, through receiveWebhook. With secrets by
// scope only the claimed repository's are tried, so the cost should not grow with their number. Also a
// valid 25 MiB delivery, parsed and normalised after it verifies. Medians of 9 runs, in one process.
// Run: pnpm bench (or: node --conditions=@lighthouse-ts/source bench/verify.ts).
import { receiveWebhook, scopedSecrets, signedWebhookHeaders } from '../src/webhooks/index.ts';

const size = 25 * 1024 * 1024;
const head = '{"ref":"refs/heads/main","repository":{"name":"rocket","owner":{"login":"acme"}},"padding":"';
const body = Buffer.alloc(size, 'x');
body.write(head);
body.write('"}', size - 2);
const runs = 9;

function median(measure: () => void): number {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    measure();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)] ?? 0;
}

const unsigned = {
  'x-github-event': 'push',
  'x-github-delivery': 'bench',
  'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
};
console.log('| secrets configured (scopes) | refusing a 25 MiB unsigned body, median ms |');
console.log('|---|---|');
for (const scopes of [1, 10, 100, 500]) {
  const byScope: Record<string, string[]> = { 'acme/rocket': ['rocket-secret'], '*': ['shared'] };
  for (let n = 0; n < scopes; n++) byScope[`org-${n}`] = [`secret-${n}`];
  const secrets = scopedSecrets(byScope);
  const ms = median(() => {
    const outcome = receiveWebhook({ headers: unsigned, body, secrets });
    if (outcome.kind !== 'rejected' || outcome.status !== 401) throw new Error('expected a 401');
  });
  console.log(`| ${scopes + 2} | ${ms.toFixed(1)} |`);
}
const signed = signedWebhookHeaders({
  provider: 'github',
  event: 'push',
  deliveryId: 'bench',
  body,
  secret: 'rocket-secret',
});
const valid = median(() => {
  receiveWebhook({ headers: signed, body, secrets: scopedSecrets({ 'acme/rocket': ['rocket-secret'] }) });
});
console.log(`\nA valid 25 MiB delivery, verified, parsed and normalised: median ${valid.toFixed(1)} ms`);
