import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { ConfigFile } from '../src/job-config.ts';
import { PluginsFile } from '../src/plugins-config.ts';

export const schemaDir = join(import.meta.dirname, '..', 'schema');

// Where the published files are served, so an $id resolves to the schema it names.
const published = 'https://unpkg.com/@lighthouse-ts/config/schema';

const generated = 'Generated from the zod schemas in src/ by `pnpm generate`. Do not edit.';

const schemas = [
  {
    file: 'config.schema.json',
    schema: ConfigFile,
    title: 'Lighthouse config.yaml',
    description:
      "Lighthouse's config.yaml (Lighthouse/Prow format): presubmits and postsubmits by org/repo. Checks the shape " +
      'only: `lighthouse check-config` also compiles the Go regexps and checks the rules between fields.',
  },
  {
    file: 'plugins.schema.json',
    schema: PluginsFile,
    title: 'Lighthouse plugins.yaml',
    description:
      "Lighthouse's plugins.yaml (Lighthouse/Prow format): the plugins enabled by org or org/repo and the " +
      "trigger plugin's settings. Checks the shape only: `lighthouse check-config` checks the rest.",
  },
] as const;

/**
 * Draft-07, because that is the draft yaml-language-server (and so VS Code's YAML extension) implements;
 * 2019-09 and 2020-12 keywords are not validated there. Loose objects stay open (`additionalProperties: {}`),
 * so the many Lighthouse and Prow fields the loader passes over are accepted here too.
 */
export function renderSchemas(): Map<string, string> {
  return new Map(
    schemas.map(({ file, schema, title, description }) => {
      const { $schema, ...rest } = z.toJSONSchema(schema, { target: 'draft-07', io: 'input' });
      const document = {
        $schema,
        $id: `${published}/${file}`,
        $comment: generated,
        title,
        description,
        ...rest,
      };
      return [file, `${JSON.stringify(document, null, 2)}\n`];
    }),
  );
}

if (import.meta.main) {
  const rendered = renderSchemas();
  for (const stale of (await readdir(schemaDir)).filter((f) => !rendered.has(f))) {
    await rm(join(schemaDir, stale));
  }
  for (const [file, text] of rendered) await writeFile(join(schemaDir, file), text);
  console.log(`wrote ${[...rendered.keys()].join(', ')} to ${schemaDir}`);
}
