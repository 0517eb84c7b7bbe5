export {
  createPolicy,
  POLICY_ACTIONS,
  type Policy,
  type PolicyAction,
  type PolicyConfig,
  type PolicyDecision,
  type PolicyInput,
  PolicySchema,
  principalId,
} from './policy.ts';
export {
  createRateLimiter,
  DEFAULT_OPRF_BURST,
  DEFAULT_OPRF_ELEMENTS_PER_SECOND,
  type RateLimiter,
  type RateLimiterOptions,
} from './rate-limit.ts';
