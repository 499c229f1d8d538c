export { type ReportedJob, type TargetUrl, targetUrlTemplate } from './report.ts';
export {
  type Logger,
  type ReportEvent,
  type Reporter,
  type ReporterOptions,
  startReporter,
} from './reporter.ts';
export { summaryMarker } from './summary.ts';
