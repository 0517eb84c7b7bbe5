/**
 * Public FROST steps: aggregation (RFC 9591 §5.3, with §5.4 share verification only on failure),
 * signature verification and the public key verifiers use. No secret input, so the SDK runs these.
 */
import type { Bytes } from '../../crypto/bytes.ts';
import type { GroupPoint } from '../../crypto/suites/types.ts';
import type { PartyId } from '../../engine/types.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import { readIdentifiers, readVerifyingShares, sortedUnique } from '../key-share.ts';
import { ciphersuiteForMode, type FrostCiphersuite, type FrostMode, type Taproot } from './ciphersuite.ts';
import {
  aggregateShares,
  prepareSigning,
  type SignerCommitment,
  verifyAggregate,
  verifyEquation,
  verifyShare,
} from './core.ts';
import type { AggregateFrostParams } from './types.ts';

function modeSuite(mode: FrostMode): FrostCiphersuite {
  try {
    return ciphersuiteForMode(mode);
  } catch {
    throw new TkmsError('request.invalid', { details: `unknown signing mode ${String(mode)}` });
  }
}

/**
 * Combines signature shares into one signature and returns it only if it verifies.
 * Fast path: aggregate and verify once. Only if that fails is every share checked, and the
 * error names the signers whose shares are wrong.
 *
 * @throws TkmsError `protocol.bad_signature_share` (culprits), `protocol.bad_commitment`
 *   (culprits), `sign.signers_invalid`, `request.invalid`.
 * @example
 * const sig = aggregateFrost({ mode: 'ed25519', groupPublicKey, verifyingShares, identifiers,
 *   message, commitments: out.commitments, shares: { 'node-1': z1, 'node-2': z2 } });
 */
export function aggregateFrost(params: AggregateFrostParams): Bytes {
  return aggregateFrostWith(modeSuite(params.mode), params);
}

/** `aggregateFrost` with an explicit ciphersuite (RFC secp256k1 vectors). */
export function aggregateFrostWith(cs: FrostCiphersuite, params: Omit<AggregateFrostParams, 'mode'>): Bytes {
  const { suite } = cs;
  const signers = sortedUnique(Object.keys(params.commitments));
  const shareHolders = sortedUnique(Object.keys(params.shares));
  if (!signers || !shareHolders || signers.length < 2)
    throw new TkmsError('sign.signers_invalid', { details: 'need commitments from at least two signers' });
  if (signers.length !== shareHolders.length || signers.some((p, i) => p !== shareHolders[i]))
    throw new TkmsError('sign.signers_invalid', { details: 'shares and commitments name different signers' });

  let ids: Map<PartyId, bigint>;
  let groupKey: GroupPoint;
  try {
    ids = readIdentifiers(suite, params.identifiers, signers);
    groupKey = suite.decodePoint(params.groupPublicKey);
  } catch (e) {
    throw new TkmsError('request.invalid', { details: `key package: ${(e as Error).message}` });
  }
  let key: ReturnType<FrostCiphersuite['signingKey']>;
  try {
    key = cs.signingKey(groupKey, params.taproot);
  } catch (e) {
    throw new TkmsError('request.invalid', { details: `tweak: ${(e as Error).message}` });
  }

  // Fastest path: the signers' own R. The final equation is the verifier's, so a signature that
  // passes it is valid however R was obtained; anything else falls through to the full path.
  if (params.groupCommitment) {
    try {
      const R = suite.decodePointSkipSubgroup(params.groupCommitment);
      const nonceFactor = cs.nonceFactor(R);
      const Rprime = nonceFactor === 1n ? R : R.negate();
      const c = cs.challenge(Rprime, key, params.message);
      let sum = suite.Fn.mul(c, key.tweakTerm);
      for (const p of signers) sum = suite.Fn.add(sum, suite.decodeScalar(params.shares[p] as Bytes));
      if (verifyEquation(cs, key, Rprime, c, sum)) return cs.encodeSignature(Rprime, sum);
    } catch {
      // a malformed hint or share: the full path below says who
    }
  }

  // Fast path decodes commitments without the subgroup check: the final equation below cannot hold
  // for an R with a torsion component, and the slow path re-decodes strictly before blaming.
  const decodeCommitments = (strict: boolean): SignerCommitment[] => {
    const out: SignerCommitment[] = [];
    const bad: PartyId[] = [];
    const decode = strict ? suite.decodePoint : suite.decodePointSkipSubgroup;
    for (const p of signers) {
      const c = params.commitments[p];
      try {
        if (!c) throw new RangeError('missing');
        out.push({ party: p, id: ids.get(p) as bigint, D: decode(c.hiding), E: decode(c.binding) });
      } catch {
        bad.push(p);
      }
    }
    if (bad.length)
      throw new TkmsError('protocol.bad_commitment', {
        culprits: bad,
        details: 'commitment does not decode',
      });
    return out;
  };
  const commitments = decodeCommitments(false);

  let pkg: ReturnType<typeof prepareSigning>;
  try {
    pkg = prepareSigning(cs, key, commitments, params.message);
  } catch (e) {
    throw new TkmsError('protocol.bad_commitment', { details: (e as Error).message });
  }

  const z: bigint[] = [];
  const badShares: PartyId[] = [];
  const zs = new Map<PartyId, bigint>();
  for (const p of signers) {
    try {
      const zi = suite.decodeScalar(params.shares[p] as Bytes);
      z.push(zi);
      zs.set(p, zi);
    } catch {
      badShares.push(p);
    }
  }
  if (badShares.length)
    throw new TkmsError('protocol.bad_signature_share', {
      culprits: badShares,
      details: 'share is not a canonical scalar',
    });

  const sum = aggregateShares(cs, pkg, z);
  if (verifyAggregate(cs, pkg, sum)) return cs.encodeSignature(pkg.Rprime, sum);

  // Slow path (RFC 9591 §5.4): commitments must be prime-order elements, then find who sent a
  // share that does not verify.
  decodeCommitments(true);
  let verifying: Map<PartyId, GroupPoint>;
  try {
    verifying = readVerifyingShares(suite, params.verifyingShares, signers);
  } catch (e) {
    throw new TkmsError('request.invalid', { details: `verifying shares: ${(e as Error).message}` });
  }
  const culprits = signers.filter(
    (p) => !verifyShare(cs, pkg, p, verifying.get(p) as GroupPoint, zs.get(p) as bigint),
  );
  throw new TkmsError('protocol.bad_signature_share', {
    culprits,
    details: culprits.length
      ? `signature share does not verify: ${culprits.join(', ')}`
      : 'every share verifies but the signature does not (signer set below threshold or inconsistent key package)',
  });
}

/**
 * Verifies a signature as an ordinary verifier would: RFC 8032 (strict, prime-order R and key)
 * for ed25519, BIP340 for bip340. `publicKey` is what `displayPublicKey` returns.
 */
export function verifyFrostSignature(
  mode: FrostMode,
  publicKey: Bytes,
  message: Bytes,
  signature: Bytes,
): boolean {
  return modeSuite(mode).verify(publicKey, message, signature);
}

/**
 * The public key signatures verify under: the 32-byte RFC 8032 key (ed25519), the 32-byte x-only
 * key (bip340), or with `taproot` the BIP341 output key Q = P + H_TapTweak(x(P) || merkleRoot)·G.
 */
export function displayPublicKey(mode: FrostMode, groupPublicKey: Bytes, taproot?: Taproot): Bytes {
  const cs = modeSuite(mode);
  try {
    return Uint8Array.from(cs.displayKey(cs.signingKey(cs.suite.decodePoint(groupPublicKey), taproot)));
  } catch (e) {
    throw new TkmsError('request.invalid', { details: `public key: ${(e as Error).message}` });
  }
}
