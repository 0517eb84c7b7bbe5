/**
 * Test helpers for the DKLs23 key setup: run it on the simulated network for the holders of a DKG
 * key, and turn its outputs into what the signing tests' `runSign` takes.
 */
import type { Bytes } from '../../../../crypto/bytes.ts';
import { getSuite } from '../../../../crypto/suites/index.ts';
import { type Rule, simulate } from '../../../../engine/simulate/index.ts';
import type { Envelope, PartyId } from '../../../../engine/types.ts';
import type { DkgOutput } from '../../../dkg/types.ts';
import { createOtMultiplication, decodeMulState, encodeMulState } from '../../mul/index.ts';
import type { Dkls23Setup } from '../../sign/testing/fixtures.ts';
import type { EcdsaSuiteName } from '../../sign/types.ts';
import { startDkls23Setup } from '../start.ts';
import { DKLS23_SETUP_PROTOCOL, type Dkls23SetupOutput, type Dkls23SetupParams } from '../types.ts';

export type SetupRunOptions = {
  keys: Record<PartyId, DkgOutput>;
  seed: string;
  rules?: Rule[];
  inject?: Envelope[];
  expire?: boolean;
  shuffle?: boolean;
  ssid?: Uint8Array;
  /**
   * A party that lies consistently: its round-1 broadcast is rewritten before its own runner
   * records it, so its echo vouches for the lie (a network rule would make the echo disagree).
   */
  liar?: { party: PartyId; round1: (payload: Bytes) => Bytes };
};

export function setupParams(key: DkgOutput): Dkls23SetupParams {
  return { suite: key.suite as EcdsaSuiteName, parties: key.parties, groupPublicKey: key.groupPublicKey };
}

export function runSetup(o: SetupRunOptions) {
  const parties = Object.keys(o.keys).sort();
  return simulate<Dkls23SetupOutput>({
    protocol: DKLS23_SETUP_PROTOCOL,
    parties,
    seed: o.seed,
    ...(o.rules ? { rules: o.rules } : {}),
    ...(o.inject ? { inject: o.inject } : {}),
    ...(o.expire ? { expire: true } : {}),
    ...(o.shuffle ? { shuffle: true } : {}),
    ...(o.ssid ? { ssid: o.ssid } : {}),
    start: (ctx) => {
      const step = startDkls23Setup(ctx, setupParams(o.keys[ctx.self] as DkgOutput));
      if (step.type !== 'continue' || o.liar?.party !== ctx.self) return step;
      const lie = o.liar.round1;
      return { ...step, outbox: step.outbox.map((m) => ({ ...m, payload: lie(m.payload) })) };
    },
  });
}

/**
 * What signing needs, from the setup's outputs as the node would reload them: every 2P-MUL state
 * through `encodeMulState`/`decodeMulState`.
 */
export function signingSetup(
  keys: Record<PartyId, DkgOutput>,
  outputs: Record<PartyId, Dkls23SetupOutput>,
): Dkls23Setup {
  const first = Object.values(keys)[0] as DkgOutput;
  const suiteName = first.suite as EcdsaSuiteName;
  const suite = getSuite(suiteName);
  const reload = (o: Dkls23SetupOutput) =>
    Object.fromEntries(
      Object.entries(o.mulStates).map(([peer, st]) => [
        peer,
        {
          sender: decodeMulState(encodeMulState(st.sender)),
          receiver: decodeMulState(encodeMulState(st.receiver)),
        },
      ]),
    );
  return {
    suiteName,
    suite,
    keys,
    zeroSeeds: Object.fromEntries(Object.entries(outputs).map(([p, o]) => [p, o.zeroSeeds])),
    mul: createOtMultiplication(suite),
    mulStates: Object.fromEntries(Object.entries(outputs).map(([p, o]) => [p, reload(o)])),
  };
}
