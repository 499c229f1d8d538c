/** Lighthouse's welcome message, where plugins.yaml gives a repository none. */
export const defaultWelcomeTemplate =
  'Welcome @{{.AuthorLogin}}! It looks like this is your first PR to {{.Org}}/{{.Repo}} 🎉';

/** What a welcome template may name: the fields Lighthouse gives its template, and no more. */
export interface WelcomeFields {
  Org: string;
  Repo: string;
  AuthorLogin: string;
  AuthorName: string;
}

const fieldNames: readonly string[] = ['Org', 'Repo', 'AuthorLogin', 'AuthorName'];
// As Go's template lexer reads it, an action runs from `{{` to the next `}}`.
const action = /\{\{([\s\S]*?)(\}\}|$)/g;
// Go pads an action with spaces, tabs and line breaks only.
const field = /^[ \t\r\n]*\.(\w+)[ \t\r\n]*$/;

/**
 * The first action of a Go template that is not one of the four fields: another field, a pipeline, a
 * function, `if` or `range`, a comment, a trim marker, a `{{` never closed. Undefined when there is none.
 */
export function unsupportedWelcomeAction(template: string): string | undefined {
  for (const [whole, inside = '', end] of template.matchAll(action)) {
    const name = field.exec(inside)?.[1];
    if (end === '' || name === undefined || !fieldNames.includes(name)) return whole;
  }
  return undefined;
}

/** The message of a template the loader accepted, each field replaced by its value. */
export function welcomeMessage(template: string, fields: WelcomeFields): string {
  return template.replace(
    action,
    (whole, inside: string) => fields[field.exec(inside)?.[1] as keyof WelcomeFields] ?? whole,
  );
}
