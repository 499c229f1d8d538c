/** Any failure of the meta step that the job's author can act on; its message becomes the job's description. */
export class MetaStepError extends Error {
  override name = 'MetaStepError';
}

/** The environment the meta PipelineRun gives the step lacks a variable or has a bad value. */
export class StepEnvError extends MetaStepError {
  override name = 'StepEnvError';
}

/** A git command failed: a repository that cannot be read, a commit that cannot be fetched. */
export class GitError extends MetaStepError {
  override name = 'GitError';
  /** What git wrote to stderr, when a git command failed. */
  readonly stderr: string;

  constructor(message: string, options: { cause?: unknown; stderr?: string } = {}) {
    super(message, { cause: options.cause });
    this.stderr = options.stderr ?? '';
  }
}

/** A pull request does not merge cleanly onto the base and the pulls before it. */
export class MergeConflictError extends MetaStepError {
  override name = 'MergeConflictError';
  readonly pull: number;
  readonly files: string[];

  constructor(pull: number, sha: string, files: string[]) {
    super(`pull request #${pull} (${sha}) does not merge cleanly: conflicts in ${files.join(', ')}`);
    this.pull = pull;
    this.files = files;
  }
}

/** The repository's `.lighthouse/` configuration or pipeline cannot be read as a PipelineRun. */
export class PipelineLoadError extends MetaStepError {
  override name = 'PipelineLoadError';
}

/** The pipeline uses a Lighthouse feature this meta step does not implement (remote `uses:`, URLs). */
export class UnsupportedPipelineError extends PipelineLoadError {
  override name = 'UnsupportedPipelineError';
}

/** The API server refused the build PipelineRun (Tekton's CRD schema, admission): the pipeline is invalid. */
export class PipelineRejectedError extends MetaStepError {
  override name = 'PipelineRejectedError';
}

/** The build would run as the meta step's own service account, handing the pipeline's code its rights. */
export class BuildServiceAccountError extends MetaStepError {
  override name = 'BuildServiceAccountError';
}
