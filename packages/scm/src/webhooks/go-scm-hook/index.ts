import type { Provider } from '../../events.ts';
import type { ParsedWebhook } from '../normalise.ts';
import { giteaConverters } from './gitea.ts';
import { githubConverters } from './github.ts';
import { gitlabConverters } from './gitlab.ts';
import type { Converter, GoScmHook, GoScmKind } from './model.ts';

export type { GoScmHook, GoScmHookBody, GoScmKind } from './model.ts';

const converters: Readonly<Partial<Record<Provider, ReadonlyMap<string, Converter>>>> = {
  github: githubConverters,
  gitlab: gitlabConverters,
  gitea: giteaConverters,
};

/**
 * The hook go-scm (Jenkins X Lighthouse's Git library) would parse from a verified delivery, as its JSON:
 * what Lighthouse sends its external plugins. Push, pull request, comment and review events of GitHub,
 * GitLab and Gitea (and the branch and tag deletions of GitLab, creations and deletions of Gitea); undefined
 * for any other event, and for a payload go-scm could not read either.
 */
export function goScmHook({ provider, event, deliveryId, payload }: ParsedWebhook): GoScmHook | undefined {
  return converters[provider]?.get(event)?.build(payload, deliveryId);
}

/** The kinds `goScmHook` can make of a provider's event, without reading it; none for an event not built. */
export const goScmHookKinds = (provider: Provider, event: string): readonly GoScmKind[] =>
  converters[provider]?.get(event)?.kinds ?? [];

/** The providers and kinds `goScmHook` builds at all. */
export const goScmHooksBuilt = {
  providers: Object.keys(converters) as Provider[],
  kinds: [
    ...new Set(
      Object.values(converters).flatMap((byEvent) => [...byEvent.values()].flatMap(({ kinds }) => kinds)),
    ),
  ],
};
