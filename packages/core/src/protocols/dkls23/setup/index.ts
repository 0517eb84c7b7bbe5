/**
 * DKLs23 key setup: what every holder of a freshly generated ECDSA key runs once, right after the
 * DKG (`../../dkg`), so that DKLs23 signing (`../sign`) can run among any signer set.
 *
 * DKLs23 (Doerner, Kondi, Lee, shelat, "Threshold ECDSA in Three Rounds", IEEE S&P 2024, ePrint
 * 2023/765) signs with F_Zero (pairwise zero sharing) and F_2PMul (per ordered pair), both
 * initialised at key generation, and leaves the key generation to a DKG (0xCarbon's DKG, ePrint
 * 2023/602 Protocol 9.1, runs the same initialisation inside it). Here, in one engine session:
 * - the 2P-MUL pairwise setup (`../mul/setup.ts`, κ Endemic base OTs) for every ordered pair;
 * - pairwise zero-sharing seeds, committed then opened by both ends of each pair;
 * - the BIP32 chain code, committed then opened by every party and XORed (`../bip32/chain-code.ts`).
 * Round 1 (broadcast, echo-checked) carries every commitment and every OT first message, round 2
 * (direct) the openings and the OT answers, round 3 confirms a hash of the public transcript and
 * of each pair's setup messages.
 *
 * Intentional divergences (docs/protocols/dkls23.md §9.4):
 * - A separate session after the PedPoP DKG instead of extra rounds inside it, so the DKG stays
 *   the one all suites share; the setup binds the DKG's group key instead.
 * - Each zero seed is H(sid, i, j, c_i, c_j) from two committed contributions, not a value chosen
 *   by one end (neither end of the pair picks it alone).
 * - A confirmation round (not in the paper) so that no party keeps a setup another party lacks.
 */
export { startDkls23Setup } from './start.ts';
export { DKLS23_SETUP_PROTOCOL, type Dkls23SetupOutput, type Dkls23SetupParams } from './types.ts';
export { ZERO_SEED_BYTES } from './zero-seed.ts';
