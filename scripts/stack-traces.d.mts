/** Types of stack-traces.mjs, which an image runs as it is. */
export type LineIndex = [at: number, source: number, line: number, column: number, ...last: number[]][];
export function lineIndex(mappings: string): LineIndex;
export function originalPosition(
  map: { mappings: string; sources: string[]; lines: LineIndex },
  line: number,
  column: number,
): { source: string; line: number; column: number } | undefined;
export function mapStackTraces(layout: string): void;
