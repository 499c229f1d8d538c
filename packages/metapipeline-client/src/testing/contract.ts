import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetaPipelineClient } from '../client.ts';
import {
  ConflictError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
  UnavailableError,
} from '../errors.ts';
import type { MetaPipelineRequest } from '../schemas.ts';

export interface ContractSubject {
  /**
   * The client, with the default request policy but for the namespace: it allows `namespace` only, the
   * build ServiceAccount `tekton-bot` only, sources on any network host, and no variables.
   */
  client: MetaPipelineClient;
  /** A namespace of its own, where the client may create meta-pipelines. */
  namespace: string;
  cleanup?: () => Promise<void>;
}

/** A pull-request request for `namespace`, with a fresh idempotency key unless one is given. */
export function pullRequestRequest(
  namespace: string,
  overrides: Partial<MetaPipelineRequest> & { number?: number } = {},
): MetaPipelineRequest {
  const { number = 813, ...rest } = overrides;
  return {
    idempotencyKey: `delivery-${randomUUID()}/unit`,
    namespace,
    kind: 'pullrequest',
    jobName: 'unit',
    context: 'unit',
    rerunCommand: '/test unit',
    pullRefs: {
      sourceUrl: 'https://github.com/jenkins-x/lighthouse.git',
      owner: 'jenkins-x',
      repo: 'lighthouse',
      baseBranch: 'master',
      baseSha: 'e8d56b5ee9671599c75644af574a251dd3b94a5c',
      pulls: [
        {
          number,
          sha: 'dd64c739442d505cf5381e2a14b60968e8a0d86e',
          author: 'abayer',
          title: 'A change',
          link: `https://github.com/jenkins-x/lighthouse/pull/${number}`,
        },
      ],
    },
    labels: { team: 'ci' },
    ...rest,
  };
}

/**
 * The behaviour every MetaPipelineClient must have, as a vitest suite: run it against each
 * implementation with a factory that gives a client and a namespace of its own.
 */
export function describeMetaPipelineContract(name: string, subject: () => Promise<ContractSubject>): void {
  describe(`MetaPipelineClient contract: ${name}`, () => {
    let client: MetaPipelineClient;
    let namespace: string;
    let cleanup: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ client, namespace, cleanup } = await subject());
    });
    afterAll(async () => {
      await client?.close();
      await cleanup?.();
    });

    it('creates a pending meta-pipeline: a LighthouseJob and its PipelineRun', async () => {
      const created = await client.create(pullRequestRequest(namespace));
      expect(created).toMatchObject({
        ref: { namespace },
        kind: 'pullrequest',
        jobName: 'unit',
        context: 'unit',
        owner: 'jenkins-x',
        repo: 'lighthouse',
        branch: 'PR-813',
        phase: 'pending',
        // For people: the commit built and where the pull request is.
        sha: 'dd64c739442d505cf5381e2a14b60968e8a0d86e',
        pullNumber: 813,
        links: { pull: 'https://github.com/jenkins-x/lighthouse/pull/813' },
      });
      expect(created.buildNumber).toBeGreaterThanOrEqual(1);
      expect(created.resources.map((r) => r.kind)).toEqual(['LighthouseJob', 'PipelineRun']);
      for (const resource of created.resources)
        expect(resource).toMatchObject({ namespace, name: created.ref.name });
      expect(created.resources.every((r) => r.uid.length > 0)).toBe(true);
    });

    it('returns the same meta-pipeline for the same idempotency key', async () => {
      const request = pullRequestRequest(namespace, { number: 900 });
      const first = await client.create(request);
      const again = await client.create(request);
      expect(again.ref).toEqual(first.ref);
      expect(again.buildNumber).toBe(first.buildNumber);
      expect(again.resources).toEqual(first.resources);
    });

    it('creates exactly one for concurrent calls with one key', async () => {
      const request = pullRequestRequest(namespace, { number: 901 });
      const results = await Promise.all(Array.from({ length: 8 }, () => client.create(request)));
      expect(new Set(results.map((r) => r.ref.name)).size).toBe(1);
      expect(new Set(results.map((r) => r.buildNumber)).size).toBe(1);
      const listed = await client.list({ namespace, branch: 'PR-901' });
      expect(listed).toHaveLength(1);
    });

    it('refuses a reused key with a different request (Conflict)', async () => {
      const request = pullRequestRequest(namespace, { number: 902 });
      await client.create(request);
      await expect(client.create({ ...request, jobName: 'lint' })).rejects.toBeInstanceOf(ConflictError);
    });

    it('numbers builds of one branch upwards, and branches apart', async () => {
      const a = await client.create(pullRequestRequest(namespace, { number: 903 }));
      const b = await client.create(pullRequestRequest(namespace, { number: 903 }));
      const other = await client.create(pullRequestRequest(namespace, { number: 904 }));
      expect(b.buildNumber).toBe(a.buildNumber + 1);
      expect(other.buildNumber).toBe(1);
    });

    it('names a release pipeline after its branch', async () => {
      const release = await client.create(
        pullRequestRequest(namespace, {
          kind: 'release',
          pullRefs: { ...pullRequestRequest(namespace).pullRefs, pulls: [] },
        }),
      );
      expect(release).toMatchObject({ kind: 'release', branch: 'master', phase: 'pending' });
    });

    it('rejects an invalid request, naming the fields', async () => {
      const request = pullRequestRequest(namespace);
      const invalid = {
        ...request,
        namespace: 'Not_A_Namespace',
        pullRefs: { ...request.pullRefs, baseSha: 'main', pulls: [] },
      };
      const error = await client.create(invalid).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).errors.map((e) => e.path).sort()).toEqual([
        'namespace',
        'pullRefs.baseSha',
        'pullRefs.pulls',
      ]);
    });

    it.for([
      { refused: 'a build ServiceAccount it may not use', overrides: { serviceAccount: 'cluster-admin' } },
      { refused: 'a variable it was not allowed', overrides: { env: { http_proxy: 'http://mitm:3128' } } },
      {
        refused: 'a source that is a path on its own machine',
        overrides: { sourceUrl: 'file:///var/run/secrets/kubernetes.io/serviceaccount' },
      },
    ])('refuses $refused (Forbidden), creating nothing', async ({ overrides }) => {
      const { sourceUrl, ...rest } = overrides as { sourceUrl?: string };
      const request = pullRequestRequest(namespace, { number: 908, ...rest });
      if (sourceUrl) request.pullRefs = { ...request.pullRefs, sourceUrl };
      const error = await client.create(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ForbiddenError);
      expect((error as ForbiddenError).message).toMatch(/refused by policy/);
      expect(await client.list({ namespace, branch: 'PR-908' })).toEqual([]);
    });

    it('refuses every call in a namespace it may not use (Forbidden)', async () => {
      const elsewhere = 'kube-system';
      const calls = [
        () => client.create(pullRequestRequest(elsewhere)),
        () => client.get({ namespace: elsewhere, name: 'any' }),
        () => client.list({ namespace: elsewhere }),
        () => client.cancel({ namespace: elsewhere, name: 'any' }),
      ];
      for (const call of calls) await expect(call()).rejects.toBeInstanceOf(ForbiddenError);
    });

    it('gets one by reference, and says NotFound for one that does not exist', async () => {
      const created = await client.create(pullRequestRequest(namespace, { number: 905 }));
      expect(await client.get(created.ref)).toEqual(created);
      await expect(client.get({ namespace, name: 'no-such-pipeline' })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lists by owner, repo, branch and context, newest first', async () => {
      const first = await client.create(pullRequestRequest(namespace, { number: 906 }));
      const second = await client.create(pullRequestRequest(namespace, { number: 906 }));
      const lint = await client.create(
        pullRequestRequest(namespace, { number: 906, jobName: 'lint', context: 'lint' }),
      );
      const byBranch = await client.list({
        namespace,
        owner: 'jenkins-x',
        repo: 'lighthouse',
        branch: 'PR-906',
      });
      expect(byBranch.map((p) => p.ref.name).sort()).toEqual(
        [first, second, lint].map((p) => p.ref.name).sort(),
      );
      const unit = await client.list({ namespace, branch: 'PR-906', context: 'unit' });
      expect(unit.map((p) => p.buildNumber)).toEqual([second.buildNumber, first.buildNumber]);
      expect(await client.list({ namespace, repo: 'elsewhere' })).toEqual([]);
    });

    it('cancels, and cancelling again changes nothing', async () => {
      const created = await client.create(pullRequestRequest(namespace, { number: 907 }));
      const cancelled = await client.cancel(created.ref);
      expect(cancelled).toMatchObject({ ref: created.ref, phase: 'cancelled' });
      expect(await client.cancel(created.ref)).toEqual(cancelled);
      expect((await client.get(created.ref)).phase).toBe('cancelled');
      await expect(client.cancel({ namespace, name: 'no-such-pipeline' })).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });

    it('stops when its signal aborts, with a retryable UnavailableError like any call that did not complete', async () => {
      const aborted = AbortSignal.abort(new Error('caller gave up'));
      const calls = [
        client.create(pullRequestRequest(namespace), { signal: aborted }),
        client.get({ namespace, name: 'any' }, { signal: aborted }),
        client.list({ namespace }, { signal: aborted }),
      ];
      for (const call of calls) {
        const error = await call.then(
          () => undefined,
          (rejected: unknown) => rejected,
        );
        expect(error).toBeInstanceOf(UnavailableError);
        expect(error).toMatchObject({ retryable: true, message: expect.stringContaining('caller gave up') });
      }
    });

    it('carries a traceparent in its call options without changing what the call does', async () => {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const request = pullRequestRequest(namespace);
      const created = await client.create(request, { traceparent });
      expect(await client.get(created.ref, { traceparent })).toMatchObject({ ref: created.ref });
    });
  });
}
