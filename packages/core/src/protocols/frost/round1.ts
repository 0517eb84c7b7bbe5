/**
 * FROST signing round 1 (RFC 9591 §5.1 commit), broadcast with echo.
 *
 * Sends: encodeFields([SerializeElement(D_i), SerializeElement(E_i)]).
 *
 * Checks on every received message, in order:
 * 1. the payload is exactly two length-prefixed fields                → protocol.malformed (culprit: sender)
 * 2. D_j decodes: canonical, not the identity, prime-order subgroup   → protocol.bad_commitment (culprit: sender)
 * 3. E_j decodes: canonical, not the identity, prime-order subgroup   → protocol.bad_commitment (culprit: sender)
 * The runner's echo exchange then checks that every signer saw the same broadcasts
 * (protocol.echo_mismatch) before finalize, so all signers bind to one commitment list.
 *
 * Finalize (RFC 9591 §5.2 sign), after the echo:
 * 4. binding factors over the FULL sorted commitment list, message and group key; group commitment
 *    R; if R is the identity                                          → protocol.bad_commitment (no culprit)
 * 5. z_i; the nonces are zeroed right after use and a second finalize throws (no nonce reuse).
 */
import type { Bytes } from '../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../crypto/lp.ts';
import type { SecretBytes } from '../../crypto/secret.ts';
import type { GroupPoint } from '../../crypto/suites/types.ts';
import type { Abort, PartyId, Round, Step, Verified } from '../../engine/types.ts';
import type { FrostCiphersuite, SigningKey } from './ciphersuite.ts';
import { prepareSigning, type SignerCommitment, signShare } from './core.ts';
import type { EncodedCommitments, FrostShareOutput } from './types.ts';

export type FrostRound1State = {
  readonly cs: FrostCiphersuite;
  readonly self: PartyId;
  readonly others: readonly PartyId[];
  readonly ids: ReadonlyMap<PartyId, bigint>;
  readonly key: SigningKey;
  readonly message: Bytes;
  readonly signingShare: SecretBytes;
  /** Encoded hiding and binding nonces; zeroed by finalize. */
  readonly hidingNonce: Bytes;
  readonly bindingNonce: Bytes;
  readonly own: SignerCommitment;
  readonly ownEncoded: EncodedCommitments;
};

type Received = { commitment: SignerCommitment; encoded: EncodedCommitments };

export function encodeRound1(c: EncodedCommitments): Bytes {
  return encodeFields([c.hiding, c.binding]);
}

export function frostRound1(st: FrostRound1State): Round<FrostShareOutput, Received> {
  const received = new Map<PartyId, Received>();
  let used = false;
  const abort = (code: Abort['code'], culprits: PartyId[], detail: string): Abort => ({
    code,
    round: 1,
    culprits,
    detail,
  });

  return {
    number: 1,
    from: st.others,
    kind: 'broadcast',
    echo: true,

    verify(from: PartyId, payload: Bytes): Verified<Received> {
      let fields: Bytes[];
      try {
        fields = decodeFields(payload, 2);
      } catch (e) {
        return {
          ok: false,
          abort: abort('protocol.malformed', [from], `commitments: ${(e as Error).message}`),
        };
      }
      if (fields.length !== 2)
        return { ok: false, abort: abort('protocol.malformed', [from], 'commitments: expected 2 fields') };
      const [hiding, binding] = fields as [Bytes, Bytes];
      let D: GroupPoint;
      let E: GroupPoint;
      try {
        D = st.cs.suite.decodePoint(hiding);
      } catch (e) {
        return {
          ok: false,
          abort: abort('protocol.bad_commitment', [from], `hiding commitment: ${(e as Error).message}`),
        };
      }
      try {
        E = st.cs.suite.decodePoint(binding);
      } catch (e) {
        return {
          ok: false,
          abort: abort('protocol.bad_commitment', [from], `binding commitment: ${(e as Error).message}`),
        };
      }
      const id = st.ids.get(from) as bigint;
      return {
        ok: true,
        value: {
          commitment: { party: from, id, D, E },
          encoded: { hiding: Uint8Array.from(hiding), binding: Uint8Array.from(binding) },
        },
      };
    },

    store(from: PartyId, value: Received): void {
      received.set(from, value);
    },

    finalize(): Step<FrostShareOutput> {
      if (used || isZero(st.hidingNonce) || isZero(st.bindingNonce))
        throw new Error('signing nonces already used');
      used = true;
      const { cs } = st;
      try {
        const commitments = [st.own, ...st.others.map((p) => (received.get(p) as Received).commitment)];
        const hiding = cs.suite.decodeScalar(st.hidingNonce);
        const binding = cs.suite.decodeScalar(st.bindingNonce);
        let pkg: ReturnType<typeof prepareSigning>;
        try {
          pkg = prepareSigning(cs, st.key, commitments, st.message, { party: st.self, hiding, binding });
        } catch (e) {
          return { type: 'abort', abort: abort('protocol.bad_commitment', [], (e as Error).message) };
        }
        const s = cs.suite.decodeScalar(st.signingShare.expose());
        const z = signShare(cs, pkg, st.self, st.own.id, s, hiding, binding);
        const out: Record<PartyId, EncodedCommitments> = { [st.self]: st.ownEncoded };
        for (const p of st.others) out[p] = (received.get(p) as Received).encoded;
        return {
          type: 'done',
          output: {
            commitments: sortRecord(out),
            share: cs.suite.encodeScalar(z),
            groupCommitment: cs.suite.encodePoint(pkg.R),
          },
        };
      } finally {
        // Nonces are single-use whatever happened above (protocols.md §7 row 11).
        st.hidingNonce.fill(0);
        st.bindingNonce.fill(0);
      }
    },
  };
}

function isZero(b: Bytes): boolean {
  let acc = 0;
  for (const x of b) acc |= x;
  return acc === 0;
}

function sortRecord<T>(r: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k] as T;
  return out;
}
