// Headless Chromium for tests of a served web UI: Debian's `chromium` package (or CHROMIUM_PATH) driven by
// puppeteer-core, which downloads no browser of its own. `scripts/dev test` installs the package when missing.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Browser, launch } from 'puppeteer-core';

export type { Browser, Page } from 'puppeteer-core';

const missing =
  "no Chromium found: install Debian's chromium package (apt-get install chromium; `scripts/dev test` does) " +
  'or set CHROMIUM_PATH to a Chromium or Chrome executable';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `$CHROMIUM_PATH` when set (and then only it), else `chromium` on PATH, such as /usr/bin/chromium. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env.CHROMIUM_PATH;
  if (chosen) {
    if (executable(chosen)) return chosen;
    throw new Error(`CHROMIUM_PATH=${chosen} is not an executable file; ${missing}`);
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir || '.', 'chromium');
    if (executable(candidate)) return candidate;
  }
  throw new Error(missing);
}

/** A new headless Chromium; close it (`await browser.close()`) when done. */
export function launchBrowser(): Promise<Browser> {
  const args = ['--disable-dev-shm-usage']; // a container's /dev/shm can be too small: use /tmp instead
  // Chromium will not start as root with its sandbox on (the sandbox needs to drop rights root keeps), so
  // as root (CI, containers) it runs without one; it only ever loads the pages a test serves itself.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return launch({ executablePath: findChromium(), headless: true, args });
}
