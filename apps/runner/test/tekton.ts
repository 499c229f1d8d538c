// Test helper: what Tekton writes on a PipelineRun, for tests without a Tekton controller.

/** The status Tekton writes when a PipelineRun's task fails with `message`. */
export function failedRun(message: string) {
  const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    status: {
      startTime: at,
      completionTime: at,
      conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed', message, lastTransitionTime: at }],
    },
  };
}
