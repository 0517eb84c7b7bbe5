export {
  applyTweak,
  bip340Challenge,
  bip340Frost,
  type TweakContext,
  taggedHash,
  taprootTweak,
  taprootTweakContext,
  tweakContextInit,
  verifyBip340,
} from './bip340.ts';
export { ed25519Frost, ed25519Suite, setEd25519SubgroupCheck } from './ed25519.ts';
export { p256Frost, p256Suite } from './p256.ts';
export { ristretto255Frost, ristretto255Suite } from './ristretto255.ts';
export {
  type Ristretto255Backend,
  ristretto255Hasher,
  setRistretto255Backend,
} from './ristretto255-backend.ts';
export { hasEvenY, liftX, secp256k1Frost, secp256k1Suite, xOnly } from './secp256k1.ts';
export {
  type Secp256k1Backend,
  secp256k1BackendOf,
  setSecp256k1Backend,
  type TinySecp256k1Like,
} from './secp256k1-backend.ts';
export type {
  EncodedArithmetic,
  FrostHashes,
  GroupPoint,
  RandomSource,
  Suite,
  SuiteName,
} from './types.ts';

import { ed25519Suite } from './ed25519.ts';
import { p256Suite } from './p256.ts';
import { ristretto255Suite } from './ristretto255.ts';
import { secp256k1Suite } from './secp256k1.ts';
import type { Suite, SuiteName } from './types.ts';

export const SUITES: Readonly<Record<SuiteName, Suite>> = Object.freeze({
  ed25519: ed25519Suite,
  secp256k1: secp256k1Suite,
  p256: p256Suite,
  ristretto255: ristretto255Suite,
});

export function isSuiteName(x: unknown): x is SuiteName {
  return x === 'ed25519' || x === 'secp256k1' || x === 'p256' || x === 'ristretto255';
}

/** The suite for a name; throws `RangeError` for an unknown one. */
export function getSuite(name: string): Suite {
  if (!isSuiteName(name)) throw new RangeError(`unknown suite ${name}`);
  return SUITES[name];
}
export { mulSecret } from './mul-secret.ts';
export { installSodiumBackends, type SodiumLike } from './sodium-backends.ts';
