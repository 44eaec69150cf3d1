export {
  type BlockedReason,
  blockedAddressReason,
  effectiveAddress,
  parseAddress,
} from './address-class';
export { BlockedTargetLog, type BlockedTargetLogOptions } from './blocked-target-log';
export { targetEnvFields, targetPolicyFromEnv } from './target-env';
export {
  BlockedTargetError,
  TargetPolicy,
  type TargetSettings,
  cidrProblem,
  describeRefusal,
} from './target-policy';
