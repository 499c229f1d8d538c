export {
  type Comment,
  type CommitStatus,
  type CreateCommentOptions,
  type Credentials,
  type Issue,
  type Milestone,
  type PeopleRole,
  type ProviderApi,
  ProviderError,
  type ProviderReads,
  ProviderUnavailableError,
  type ProviderWrites,
  type PullRequest,
  type ReportState,
  type Review,
  type StatusInput,
  type StatusState,
  type Team,
} from './api.ts';
export { type BitbucketServerApiOptions, bitbucketServerApi } from './bitbucket-server.ts';
export { cloneUrlOf, webUrlOf } from './clone-url.ts';
export * from './events.ts';
export { type GiteaApiOptions, giteaApi } from './gitea.ts';
export { type GithubApiOptions, githubApi } from './github.ts';
export { type GithubAppOptions, githubAppCredentials, githubAppPermissions } from './github-app.ts';
export { type GitlabApiOptions, gitlabApi } from './gitlab.ts';
export { eventKey } from './identity.ts';
export { type ClientOptions, RateLimitPause, type RetryOptions, retryAfterMs } from './rest.ts';
