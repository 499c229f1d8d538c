// Test helper run as a separate process: creates meta-pipelines with the embedded client, all at once,
// and prints one JSON line per request: {"key", "name", "buildNumber"} or {"key", "error"}.
// Usage: node --conditions=@lighthouse-ts/source create-burst.ts KUBECONFIG NAMESPACE KEY...
import { createEmbeddedClient } from '../src/embedded/index.ts';
import { pullRequestRequest } from '../src/testing/index.ts';

const [kubeconfig, namespace, ...keys] = process.argv.slice(2);
if (!kubeconfig || !namespace) throw new Error('usage: create-burst.ts KUBECONFIG NAMESPACE KEY...');
const client = createEmbeddedClient({
  kube: { config: { kubeconfig } },
  metaStep: { image: 'runner:test', command: ['runner', 'meta-step'] },
});
await Promise.all(
  keys.map(async (key) => {
    try {
      const created = await client.create(
        pullRequestRequest(namespace, { idempotencyKey: key, number: 1000 }),
      );
      console.log(JSON.stringify({ key, name: created.ref.name, buildNumber: created.buildNumber }));
    } catch (error) {
      console.log(JSON.stringify({ key, error: `${(error as Error).name}: ${(error as Error).message}` }));
    }
  }),
);
await client.close();
