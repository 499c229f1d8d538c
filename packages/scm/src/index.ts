export {
  type CommitStatus,
  type ProviderApi,
  ProviderError,
  ProviderUnavailableError,
  type PullRequest,
  type StatusState,
} from './api.ts';
export { type BitbucketServerApiOptions, bitbucketServerApi } from './bitbucket-server.ts';
export * from './events.ts';
export { type GiteaApiOptions, giteaApi } from './gitea.ts';
export { type GithubApiOptions, githubApi } from './github.ts';
export { type GitlabApiOptions, gitlabApi } from './gitlab.ts';
