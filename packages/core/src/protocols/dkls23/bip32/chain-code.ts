/**
 * A jointly generated chain code (or any shared random string, such as a pairwise zero-sharing
 * seed): each party commits to a random 32-byte contribution, every commitment is exchanged
 * before any opening, then the contributions are opened and XORed. As long as one contribution
 * is random and committed before the others were seen, the result is uniform (protocols.md §2.4,
 * §6.1). Pure functions; the host runs the two exchanges (the DKG's rounds can carry them).
 */
import { type Bytes, equalBytes, utf8 } from '../../../crypto/bytes.ts';
import type { RandomSource } from '../../../crypto/suites/types.ts';
import { hashTranscript } from '../../../crypto/transcript.ts';
import type { PartyId } from '../../../engine/types.ts';
import { TkmsError } from '../../../errors/tkms-error.ts';

export const CONTRIBUTION_BYTES = 32;

export type Contribution = {
  /** Sent first, to everyone. */
  readonly commitment: Bytes;
  /** Sent second, after every commitment arrived: salt ‖ value. */
  readonly opening: { readonly salt: Bytes; readonly value: Bytes };
};

function commitmentOf(ssid: Bytes, party: PartyId, salt: Bytes, value: Bytes): Bytes {
  return hashTranscript('dkls23/chain-code', [ssid, utf8(party), salt, value]);
}

/** This party's random contribution and its commitment, bound to the session and the party. */
export function contributeChainCode(ssid: Bytes, self: PartyId, random: RandomSource): Contribution {
  const salt = random(32);
  const value = random(CONTRIBUTION_BYTES);
  return { commitment: commitmentOf(ssid, self, salt, value), opening: { salt, value } };
}

/**
 * Checks every opening against its commitment and XORs the values. `commitments` and `openings`
 * must cover the same parties (the own one included).
 * @throws TkmsError `protocol.bad_decommitment` naming the party whose opening does not match,
 *   `protocol.malformed` for missing or mis-sized entries.
 */
export function combineChainCode(
  ssid: Bytes,
  commitments: Readonly<Record<PartyId, Bytes>>,
  openings: Readonly<Record<PartyId, { readonly salt: Bytes; readonly value: Bytes }>>,
): Bytes {
  const parties = Object.keys(commitments).sort();
  const opened = Object.keys(openings).sort();
  if (parties.length < 2 || parties.length !== opened.length || parties.some((p, i) => p !== opened[i]))
    throw new TkmsError('protocol.malformed', { details: 'commitments and openings name different parties' });
  const out = new Uint8Array(CONTRIBUTION_BYTES);
  for (const p of parties) {
    const o = openings[p] as { salt: Bytes; value: Bytes };
    if (o.value.length !== CONTRIBUTION_BYTES || o.salt.length !== 32)
      throw new TkmsError('protocol.malformed', {
        details: `contribution of ${p} has the wrong size`,
        culprits: [p],
      });
    if (!equalBytes(commitmentOf(ssid, p, o.salt, o.value), commitments[p] as Bytes))
      throw new TkmsError('protocol.bad_decommitment', {
        details: `${p} opened its chain-code contribution to a different value`,
        culprits: [p],
      });
    for (let k = 0; k < CONTRIBUTION_BYTES; k++) out[k] = (out[k] as number) ^ (o.value[k] as number);
  }
  return out;
}
