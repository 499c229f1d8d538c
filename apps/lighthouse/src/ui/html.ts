/** HTML that is safe to insert as is: made by `html`, or trusted markup wrapped on purpose. */
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | boolean | undefined | null | readonly Part[];

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c] as string);
}

function render(part: Part): string {
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  if (part === undefined || part === null || part === false || part === true) return '';
  return escapeHtml(String(part));
}

/**
 * A template whose every interpolated value is escaped unless it is `Html` already (arrays are joined,
 * and `undefined`, `null` and booleans render nothing, so `${cond && html`...`}` works).
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(text);
}

/**
 * A link's address, if it is one a page may follow: http(s) or a path of our own. Anything else (a
 * `javascript:` URL from a payload, say) gives undefined, so no link is drawn.
 */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  // A path of our own; `//host` and any backslash (`/\host`) lead a browser to another host.
  if (url.startsWith('/')) return url.startsWith('//') || url.includes('\\') ? undefined : url;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
