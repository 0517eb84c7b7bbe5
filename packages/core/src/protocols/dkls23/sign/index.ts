/**
 * DKLs23 threshold ECDSA signing.
 *
 * Implements Protocol 3.6 of Doerner, Kondi, Lee, shelat, "Threshold ECDSA in Three Rounds"
 * (IEEE S&P 2024, ePrint 2023/765) on secp256k1 and P-256, for any signer set S of at least the
 * threshold, on the tkms round engine, against the two-party multiplication interface
 * (`../mul/types.ts`): round 1 commits to R_i and starts the 2P-MUL instances as receiver,
 * round 2 answers them as sender with inputs (r_i, sk_i) and opens the commitment, round 3 checks
 * everything and broadcasts (u_i, w_i); s = Σw/Σu. Rounds 1-2 do not need the message, so they
 * also run ahead as presigning (`startDkls23Presign`, `startDkls23Online`). Key shares are the
 * DKG's Shamir shares (`../../dkg`), converted per session with λ_i(S) plus a zero share.
 *
 * Intentional divergences (docs/protocols/dkls23.md §7):
 * - Blame for the public-share check: each signer also sends z_{i,k}·G for its pairwise zero-share
 *   terms, so after Σ pk_j ≠ PK the signer whose pk_j ≠ λ_j·PK_j + ζ_j·G is named (the paper
 *   names nobody there). Nothing new about a secret is revealed: ζ_i·G = pk_i − λ_i·PK_i was
 *   already public.
 * - Commitments are per recipient (salted hash binding ssid, committer and recipient); the
 *   round-3 broadcast carries a hash of (presignature id, R, key, digest) so signers that disagree
 *   on what they sign abort with `protocol.confirm_mismatch` instead of a failed verification.
 * - Presignatures used online are re-randomised by a public δ (Groth-Shoup, ePrint 2021/1330) and
 *   can take a BIP32 tweak chosen after presigning (v_i += t·φ_i); the output is low-S with a
 *   recovery id and is verified before it is returned (one double multiplication that also fixes
 *   the recovery id; property-tested against @noble/curves' verify and recovery).
 */
export { verifyEcdsa } from './ecdsa.ts';
export { decodePresignature, encodePresignature, isEcdsaSuiteName } from './presignature.ts';
export { startDkls23Online, startDkls23Presign, startDkls23Sign } from './start.ts';
export {
  DKLS23_ONLINE_PROTOCOL,
  DKLS23_PRESIGN_PROTOCOL,
  DKLS23_SIGN_PROTOCOL,
  type Dkls23OnlineParams,
  type Dkls23PresignParams,
  type Dkls23SignParams,
  type EcdsaSignatureOutput,
  type EcdsaSuiteName,
  type MulPeerStates,
  type Presignature,
} from './types.ts';
export { MIN_ZERO_SEED_BYTES } from './zero-share.ts';
