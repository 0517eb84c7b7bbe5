export { type Outcome, type SimulateOptions, type SimulateResult, simulate } from './network.ts';
export { seededInts, seededRandom } from './random.ts';
export {
  conflict,
  drop,
  equivocate,
  flipBit,
  type Match,
  matches,
  mutate,
  type Rule,
  replay,
  rewrite,
} from './rules.ts';
