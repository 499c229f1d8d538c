import type { RepoConfig } from '@lighthouse-ts/config';

/** A command a plugin answers (Lighthouse's `pluginhelp.Command`). */
export interface CommandHelp {
  usage: string;
  description: string;
  whoCanUse: string;
  examples: string[];
}

export interface PluginHelp {
  description: string;
  commands: CommandHelp[];
}

const anyone = 'Anyone';
const collaborators = "The repository's collaborators";

/** What each plugin built here does, and its commands; every command also answers as `/lh-<name>`. */
export const pluginHelp: ReadonlyMap<string, PluginHelp> = new Map<string, PluginHelp>([
  [
    'trigger',
    {
      description:
        'Starts the jobs a pull request or push asks for: always_run and run_if_changed jobs, for trusted authors (org members, collaborators, trusted apps); others wait for /ok-to-test.',
      commands: [
        {
          usage: '/test <job>[,<job>...] | /test all',
          description: 'Runs the jobs named (their `trigger`), or every job that would run.',
          whoCanUse: 'Trusted people: org members and collaborators',
          examples: ['/test unit', '/test all'],
        },
        {
          usage: '/retest',
          description: 'Runs again the jobs whose latest status failed.',
          whoCanUse: 'Trusted people: org members and collaborators',
          examples: ['/retest'],
        },
        {
          usage: '/ok-to-test',
          description: 'Trusts a pull request from someone who is not trusted, and runs its jobs.',
          whoCanUse: 'Trusted people: org members and collaborators',
          examples: ['/ok-to-test'],
        },
      ],
    },
  ],
  [
    'hold',
    {
      description: 'Keeps a pull request from merging with the do-not-merge/hold label.',
      commands: [
        {
          usage: '/hold [cancel]',
          description: 'Adds do-not-merge/hold, or takes it off.',
          whoCanUse: anyone,
          examples: ['/hold', '/hold cancel'],
        },
      ],
    },
  ],
  [
    'wip',
    {
      description:
        'Labels a draft pull request, or one whose title starts with WIP, do-not-merge/work-in-progress.',
      commands: [],
    },
  ],
  [
    'lgtm',
    {
      description:
        'The lgtm label: added by /lgtm, taken off by /lgtm cancel and by new commits (unless store_tree_hash finds the tree unchanged, or the author is in trusted_team_for_sticky_lgtm); with review_acts_as_lgtm, reviews count.',
      commands: [
        {
          usage: '/lgtm [cancel]',
          description:
            "Adds the lgtm label, or takes it off, and assigns whoever gives it; a pull request's author cannot LGTM it.",
          whoCanUse: collaborators,
          examples: ['/lgtm', '/lgtm cancel'],
        },
      ],
    },
  ],
  [
    'lifecycle',
    {
      description: 'The lifecycle/frozen, lifecycle/stale and lifecycle/rotten labels, one at a time.',
      commands: [
        {
          usage: '/[remove-]lifecycle <frozen|stale|rotten>',
          description: 'Sets that lifecycle label (taking the others off), or takes it off.',
          whoCanUse: anyone,
          examples: ['/lifecycle frozen', '/remove-lifecycle stale'],
        },
      ],
    },
  ],
  [
    'stage',
    {
      description: 'The stage/alpha, stage/beta and stage/stable labels, one at a time.',
      commands: [
        {
          usage: '/[remove-]stage <alpha|beta|stable>',
          description: 'Sets that stage label (taking the others off), or takes it off.',
          whoCanUse: anyone,
          examples: ['/stage beta', '/remove-stage alpha'],
        },
      ],
    },
  ],
  [
    'shrug',
    {
      description: 'The ¯\\_(ツ)_/¯ label.',
      commands: [
        {
          usage: '/[un]shrug',
          description: 'Adds the ¯\\_(ツ)_/¯ label, or takes it off.',
          whoCanUse: anyone,
          examples: ['/shrug', '/unshrug'],
        },
      ],
    },
  ],
  [
    'label',
    {
      description:
        'Labels by prefix (/kind bug is kind/bug; likewise area, priority, triage, sig, ...), only those the repository has, and /label for label.additional_labels.',
      commands: [
        {
          usage: '/[remove-](area|committee|kind|language|priority|sig|team|triage|wg|risk) <value>...',
          description: 'Adds <prefix>/<value> for each value, or takes it off.',
          whoCanUse: anyone,
          examples: ['/kind bug', '/area ui', '/remove-priority important-soon'],
        },
        {
          usage: '/[remove-]label <name>',
          description: "Adds a label plugins.yaml's label.additional_labels lists, or takes it off.",
          whoCanUse: anyone,
          examples: ['/label tide/merge-method-squash'],
        },
      ],
    },
  ],
  [
    'assign',
    {
      description: 'Assigns pull requests and asks for reviews (Bitbucket Server: reviews only).',
      commands: [
        {
          usage: '/[un]assign [[@]<login>...]',
          description: 'Assigns the pull request to them, or unassigns them; no login means the commenter.',
          whoCanUse: anyone,
          examples: ['/assign', '/assign @alice bob', '/unassign @alice'],
        },
        {
          usage: '/[un]cc [[@]<login>...]',
          description: 'Asks them for a review, or takes the request back; no login means the commenter.',
          whoCanUse: anyone,
          examples: ['/cc @alice', '/uncc'],
        },
      ],
    },
  ],
  [
    'skip',
    {
      description:
        "Marks optional jobs' failed statuses (optional or skip_report) as skipped, so they hold nothing back.",
      commands: [
        {
          usage: '/skip',
          description: "Sets each optional job's failed or pending status to success, Skipped.",
          whoCanUse: anyone,
          examples: ['/skip'],
        },
      ],
    },
  ],
  [
    'size',
    {
      description:
        'Labels a pull request size/XS .. size/XXL by the lines it adds and deletes (thresholds in plugins.yaml size:); GitHub and Gitea.',
      commands: [],
    },
  ],
  [
    'welcome',
    {
      description:
        "Welcomes the author of a pull request who has opened no other in the repository, with plugins.yaml's welcome: message.",
      commands: [],
    },
  ],
  [
    'approve',
    {
      description:
        "The approved label: each changed file needs an approval from an approver in its OWNERS (or one above it), read at the pull request's base; one comment says what is left and whom to ask.",
      commands: [
        {
          usage: '/approve [no-issue|cancel]',
          description: 'Approves the files you own in the pull request, or takes your approval back.',
          whoCanUse: 'Approvers in the OWNERS files, who are collaborators',
          examples: ['/approve', '/approve cancel'],
        },
      ],
    },
  ],
  [
    'override',
    {
      description: "Lets the repository's admins force a failed or pending status context to pass.",
      commands: [
        {
          usage: '/override <context> [<context>...]',
          description:
            'Sets each context that is not green on the head commit to success, Overridden by you; a context with spaces goes in double quotes.',
          whoCanUse: 'Repo administrators',
          examples: ['/override unit', '/override lint "build / e2e"'],
        },
      ],
    },
  ],
  [
    'help',
    {
      description:
        'The help wanted and good first issue labels on open issues, each with a comment on what such an issue needs (GitHub and Gitea).',
      commands: [
        {
          usage: '/[remove-](help|good-first-issue)',
          description:
            'Adds help wanted, or good first issue and help wanted, to an issue; or takes them off (/remove-help takes off both).',
          whoCanUse: anyone,
          examples: ['/help', '/remove-help', '/good-first-issue', '/remove-good-first-issue'],
        },
      ],
    },
  ],
  [
    'milestone',
    {
      description:
        "Lets the team plugins.yaml's repo_milestone names set the milestone of an issue or pull request (GitHub and Gitea).",
      commands: [
        {
          usage: '/milestone <title> | /milestone clear',
          description:
            "Sets one of the repository's open milestones by its title, or takes the milestone off.",
          whoCanUse: "Members of the team plugins.yaml's repo_milestone names for the repository",
          examples: ['/milestone v1.10', '/milestone clear'],
        },
      ],
    },
  ],
  [
    'milestonestatus',
    {
      description:
        "Lets the team plugins.yaml's repo_milestone names add a status/* label to an issue or pull request (GitHub and Gitea).",
      commands: [
        {
          usage: '/status (approved-for-milestone|in-progress|in-review)',
          description: 'Adds that status/ label.',
          whoCanUse: "Members of the team plugins.yaml's repo_milestone names for the repository",
          examples: ['/status approved-for-milestone', '/status in-progress', '/lh-status in-review'],
        },
      ],
    },
  ],
]);

/** One enabled plugin: what it does, or that it is not built yet (a plugins.yaml may name it; it does nothing). */
export type EnabledPlugin = { name: string; built: true; help: PluginHelp } | { name: string; built: false };

/** The plugins enabled for a repository, in plugins.yaml's order, with their help. */
export function enabledPlugins(repo: RepoConfig): EnabledPlugin[] {
  return [...new Set(repo.plugins)].map((name) => {
    const help = pluginHelp.get(name);
    return help ? { name, built: true, help } : { name, built: false };
  });
}
