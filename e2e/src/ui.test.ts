/// <reference lib="dom" />
// The web page in real headless Chromium (Debian's package), against the running apps on the real test
// cluster, in both modes: a pull request that starts one job and skips another shows on the deliveries
// page, its page says why the other was skipped, the job's page shows its state, and a state change
// appears without a reload. With LIGHTHOUSE_SCREENSHOTS=<dir> it saves the three pages there (the README's).
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createKubeClient, type KubeClient } from '@lighthouse-ts/kube';
import type { TestCluster } from '@lighthouse-ts/testenv';
import { killApps, type ServingApp, startServingApp } from '@lighthouse-ts/testenv/app-process';
import { type Browser, launchBrowser, type Page } from '@lighthouse-ts/testenv/browser';
import { rawRequest } from '@lighthouse-ts/testenv/http';
import { testCluster } from '@lighthouse-ts/testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delivery, octokitExample } from '../../packages/scm/test/payloads.ts';
import { lighthouseFiles } from '../bench/files.ts';

const lighthouseMain = join(import.meta.dirname, '../../apps/lighthouse/src/main.ts');
const runnerMain = join(import.meta.dirname, '../../apps/runner/src/main.ts');
const secret = 'ui-secret';
const repo = 'Codertocat/Hello-World';
/** `unit` runs on every pull request; `lint` only on pull requests to `release`, so this one skips it. */
const config = `presubmits:
  ${repo}:
    - {name: unit, context: unit, always_run: true}
    - {name: lint, context: lint, always_run: true, branches: [release]}
`;
/** Relative to the repository's root. */
const screenshots = process.env.LIGHTHOUSE_SCREENSHOTS
  ? resolve(import.meta.dirname, '../..', process.env.LIGHTHOUSE_SCREENSHOTS)
  : undefined;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await killApps();
});

describe.each(['embedded', 'remote'] as const)('the web page, %s mode', (mode) => {
  let cluster: TestCluster;
  let kube: KubeClient;
  let namespace: string;
  let lighthouse: ServingApp;
  let runner: ServingApp | undefined;
  let ui: string;

  beforeAll(async () => {
    cluster = await testCluster();
    kube = createKubeClient({ config: { kubeconfig: cluster.kubeconfigPath } });
    namespace = await cluster.createNamespace(`ui-${mode}`);
    const { files, file } = await lighthouseFiles(`ui-${mode}-`, secret);
    const common = ['serve', '--host=127.0.0.1', '--port=0', `--namespace=${namespace}`];
    const env = { ...files, LIGHTHOUSE_CONFIG_FILE: await file('config.yaml', config) };
    const uiArgs = ['--ui-port=0', '--ui-host=127.0.0.1'];
    if (mode === 'embedded') {
      lighthouse = await startServingApp(
        lighthouseMain,
        [...common, '--meta-step-image=runner:e2e', ...uiArgs],
        {
          ...env,
          KUBECONFIG: cluster.kubeconfigPath,
        },
      );
    } else {
      const tokenFile = await file('runner-token', 'runner-token\n');
      runner = await startServingApp(runnerMain, [...common, '--meta-step-image=runner:e2e'], {
        RUNNER_TOKEN_FILE: tokenFile,
        KUBECONFIG: cluster.kubeconfigPath,
      });
      lighthouse = await startServingApp(lighthouseMain, [...common, '--metapipeline=remote', ...uiArgs], {
        ...env,
        LIGHTHOUSE_RUNNER_URL: runner.url,
        LIGHTHOUSE_RUNNER_TOKEN_FILE: tokenFile,
      });
    }
    const listening = await lighthouse.waitForLog(
      (line) => line.msg === 'web page listening',
      'the web page',
    );
    ui = String(listening.url);
  });
  afterAll(async () => {
    await lighthouse?.stop();
    await runner?.stop();
    await kube?.close();
  });

  it('shows the delivery, why a job was skipped, and the job, whose state changes without a reload', async () => {
    const body = octokitExample('pull_request', 'opened');
    const answer = await rawRequest(
      `${lighthouse.url}/hook`,
      delivery({ event: 'pull_request', body, deliveryId: `ui-${mode}-1`, secret }),
    );
    expect(answer.json()).toMatchObject({ status: 'done', started: ['unit'] });

    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 800 });
    await page.goto(`${ui}/deliveries`);
    const row = await textOf(page, 'main table tbody tr');
    expect(row).toContain('pull_request');
    expect(row).toContain(repo);
    expect(row).toContain('PR #2 opened');
    expect(row).toContain('200');
    await shoot(page, 'deliveries');

    await Promise.all([page.waitForNavigation(), page.click('main table tbody tr a')]);
    const story = await textOf(page, 'main');
    expect(story).toMatch(/unit\s+ran/);
    expect(story).toMatch(/lint\s+skipped\s+branch master does not match branches \[release\]/);
    await shoot(page, 'delivery');

    await Promise.all([page.waitForNavigation(), page.click('main a[href^="/jobs/"]')]);
    expect(await textOf(page, 'main')).toMatch(/unit #1\s+pending/);
    const [, , jobNamespace, jobName] = new URL(page.url()).pathname.split('/');
    // Marks this document: a reload would lose it.
    await page.evaluate(() => {
      (window as unknown as { unreloaded: boolean }).unreloaded = true;
    });
    // What Tekton would write when the meta-pipeline fails; the status sync carries it to the job.
    await kube.pipelineRuns.patchStatus(jobNamespace as string, jobName as string, {
      status: {
        startTime: new Date().toISOString(),
        completionTime: new Date().toISOString(),
        conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed', message: 'the clone failed' }],
      },
    });
    await page.waitForFunction(() => document.querySelector('main')?.textContent?.includes('failed'), {
      timeout: 60_000,
    });
    expect(await page.evaluate(() => (window as unknown as { unreloaded?: boolean }).unreloaded)).toBe(true);
    await shoot(page, 'job');
    await page.close();
  });

  it('works without JavaScript: the same pages, rendered by the server', async () => {
    const page = await browser.newPage();
    await page.setJavaScriptEnabled(false);
    await page.goto(`${ui}/deliveries`);
    expect(await textOf(page, 'main table tbody tr')).toContain('PR #2 opened');
    await page.goto(`${ui}/jobs?state=failed`);
    expect(await textOf(page, 'main table tbody')).toContain(repo);
    await page.close();
  });

  async function shoot(page: Page, name: string): Promise<void> {
    if (!screenshots || mode !== 'embedded') return;
    await mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, `${name}.png`) as `${string}.png`, fullPage: true });
  }
});

async function textOf(page: Page, selector: string): Promise<string> {
  await page.waitForSelector(selector);
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, cells apart, as a person reads it
  return page.$eval(selector, (element) => (element as HTMLElement).innerText);
}
