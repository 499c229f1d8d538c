import { flagError } from '@lighthouse-ts/cli';
import { connectProviders, reportRetry } from '@lighthouse-ts/providers';
import { type Logger, type ReporterOptions, targetUrlTemplate } from '@lighthouse-ts/reporter';
import { flags, type ReportConfig } from './config.ts';

/** What the reporter is started with, read from the settings before anything else starts. */
export type Reporting = Pick<ReporterOptions, 'providers' | 'targetUrl'>;

/**
 * The provider clients and the target URL the settings give, or undefined when `--report=false` or no
 * provider has credentials (then nothing is reported, and a warning says so). Each token or key
 * file is read now: a FlagError names the flag of one that cannot be, or of a wrong template.
 */
export async function reportingFrom(config: ReportConfig, logger: Logger): Promise<Reporting | undefined> {
  if (!config.report) return undefined;
  const { report: providers } = await connectProviders(config, {
    retry: { report: reportRetry },
    onError: (error) =>
      logger.error({ err: error }, 'a provider token file is unreadable; the last token read is used'),
  });
  if (Object.keys(providers).length === 0) {
    logger.warn({}, 'no provider API credentials: job states are not reported to any provider');
    return undefined;
  }
  const template = config['report-target-url'];
  try {
    return { providers, ...(template ? { targetUrl: targetUrlTemplate(template) } : {}) };
  } catch (error) {
    throw flagError(flags, 'report-target-url', (error as Error).message);
  }
}
