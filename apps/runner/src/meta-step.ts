import { createKubeClient, type KubeClient } from '@lighthouse-ts/kube';
import { parseStepEnv, runMetaStep, type StepEnv } from '@lighthouse-ts/meta-step';
import { badConfig, type MetaStepConfig } from './config.ts';
import { createLogger } from './logger.ts';

/** Exit code of a meta step that ran and failed (the job says why when the code or pipeline is at fault). */
export const stepFailed = 1;

/**
 * `runner meta-step`: the step of a meta PipelineRun. Creates the job's build PipelineRun from the
 * repository and records it on the LighthouseJob; resolves to the exit code. SIGTERM (Tekton cancelling
 * or timing out the step) stops it where it is.
 */
export async function metaStep(
  config: MetaStepConfig,
  env: Record<string, string | undefined>,
): Promise<number> {
  const logger = createLogger(config.logLevel);
  let stepEnv: StepEnv;
  let kube: KubeClient;
  try {
    stepEnv = parseStepEnv(env);
    kube = createKubeClient({
      config: config.kubeconfig ? { kubeconfig: config.kubeconfig } : { inCluster: true },
      userAgent: 'lighthouse-runner',
      fieldManager: 'lighthouse-meta-step',
    });
  } catch (error) {
    // A missing variable or a kubeconfig that cannot be read: the step is configured wrong.
    process.stderr.write(`runner: ${(error as Error).message}\n`);
    return badConfig;
  }
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());

  const { namespace, name } = stepEnv.lighthouseJob;
  const log = logger.child({ namespace, job: name });
  log.info(
    { repo: stepEnv.repoUrl, pullRefs: stepEnv.pullRefs, jobName: stepEnv.jobName },
    'meta step starting',
  );
  try {
    const result = await runMetaStep({
      kube,
      env: stepEnv,
      gitProtocols: config.gitProtocols,
      signal: stop.signal,
    });
    const { head, timings } = result;
    if (result.outcome === 'jobFinished') {
      log.info(
        { jobState: result.jobState, head, timings },
        `build PipelineRun not created: the job is ${result.jobState} already`,
      );
      return 0;
    }
    const created = result.outcome === 'created';
    log.info(
      { pipelineRun: result.pipelineRun.metadata.name, created, head, timings },
      created ? 'build PipelineRun created' : 'build PipelineRun was already created',
    );
    return 0;
  } catch (error) {
    log.error({ err: error }, error instanceof Error ? error.message : 'the meta step failed');
    return stepFailed;
  } finally {
    await kube.close();
  }
}
