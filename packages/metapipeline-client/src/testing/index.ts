export { type ContractSubject, describeMetaPipelineContract, pullRequestRequest } from './contract.ts';
