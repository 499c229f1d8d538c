import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openApiDocument } from '../src/openapi.ts';

export const openApiPath = join(import.meta.dirname, '..', 'openapi.json');

export function renderOpenApi(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}

if (import.meta.main) {
  await writeFile(openApiPath, renderOpenApi());
  console.log(`wrote ${openApiPath}`);
}
