/** A command on a line of its own: `/hold cancel` is `{ name: 'hold', arg: 'cancel' }`. */
export interface Command {
  /** Lower-cased, without Lighthouse's `lh-` prefix (GitLab keeps `/approve` and others for itself). */
  name: string;
  /** What follows the name, trimmed; empty when nothing does. */
  arg: string;
}

// Matched line by line, on V8's backtracking engine against bodies anyone can post: the name's characters
// cannot be spaces, so a failed try backtracks over the name once; the rest of the line is taken whole.
const commandLine = /^\/(?:lh-)?([a-z][a-z-]*)(?:[ \t]+(.*))?$/i;

/**
 * The commands in a comment, in order: each line that is `/name` or `/name args` (case-insensitive,
 * `lh-` optional, trailing spaces allowed), as Lighthouse's plugin commands read them (`(?mi)^/(?:lh-)?...`).
 */
export function commandsIn(body: string): Command[] {
  const commands: Command[] = [];
  for (const line of body.split('\n')) {
    const match = commandLine.exec(line.replace(/\r$/, '').trimEnd());
    if (!match) continue;
    commands.push({ name: (match[1] as string).toLowerCase(), arg: (match[2] ?? '').trim() });
  }
  return commands;
}

/**
 * Lighthouse's reply to a comment (`FormatResponseRaw`): the commenter named, the message, and the comment
 * quoted in a collapsed block.
 */
export function reply(login: string, message: string, comment: { body: string; link?: string }): string {
  const quoted = comment.body
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
  const source = comment.link ? `In response to [this](${comment.link}):` : 'In response to this:';
  return `@${login}: ${message}\n\n<details>\n\n${source}\n\n${quoted}\n</details>`;
}
