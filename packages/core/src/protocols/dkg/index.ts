/**
 * Distributed key generation: PedPoP (Pedersen DKG with proofs of possession; Komlo & Goldberg,
 * "FROST", ePrint 2020/852, §5.1; the FROST DKG shape of RFC 9591-era implementations) plus an echo
 * check of round 1 and a key-confirmation round.
 *
 * Intentional divergences (docs/protocols/dkg.md §6):
 * - The proof-of-possession challenge binds the session id, sender, identifier and suite through
 *   the tkms transcript hash before HDKG, so proofs do not verify in any other session.
 * - Round 1 is echo-broadcast and a third round confirms (group key, verifying shares, transcript)
 *   before anyone outputs a key; there is no complaint phase: any failed check aborts and names
 *   the culprit where one can be named.
 */
export { startDkg } from './start.ts';
export { DKG_PROTOCOL, type DkgOutput, type DkgParams } from './types.ts';
