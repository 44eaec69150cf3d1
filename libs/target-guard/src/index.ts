export {
  type BlockedReason,
  blockedAddressReason,
  effectiveAddress,
  parseAddress,
} from './address-class';
export { targetEnvFields, targetPolicyFromEnv } from './target-env';
export {
  BlockedTargetError,
  TargetPolicy,
  type TargetSettings,
  cidrProblem,
  describeRefusal,
} from './target-policy';
