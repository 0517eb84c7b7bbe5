/**
 * RFC 9591 Appendix E vectors through our own signing rounds and aggregator. Nonce randomness is
 * fixed to the vector's values by the session's injected `random` (hiding first, then binding,
 * as in RFC 9591 §5.1 commit).
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type Bytes, bytesToHex, concatBytes, hexToBytes } from '../../crypto/bytes.ts';
import { decodeFields } from '../../crypto/lp.ts';
import { SecretBytes } from '../../crypto/secret.ts';
import type { SessionContext } from '../../engine/types.ts';
import { identifierHex, type KeyShare } from '../key-share.ts';
import { aggregateFrostWith } from './aggregate.ts';
import { ED25519, type FrostCiphersuite, SECP256K1 } from './ciphersuite.ts';
import { computeBindingFactors, nonceGenerate, type SignerCommitment } from './core.ts';
import { startFrostSignWith } from './sign.ts';
import type { FrostShareOutput } from './types.ts';

type Vector = {
  config: { MIN_PARTICIPANTS: string; MAX_PARTICIPANTS: string; name: string };
  inputs: {
    participant_list: number[];
    group_secret_key: string;
    group_public_key: string;
    message: string;
    participant_shares: { identifier: number; participant_share: string }[];
  };
  round_one_outputs: {
    outputs: {
      identifier: number;
      hiding_nonce_randomness: string;
      binding_nonce_randomness: string;
      hiding_nonce: string;
      binding_nonce: string;
      hiding_nonce_commitment: string;
      binding_nonce_commitment: string;
      binding_factor_input: string;
      binding_factor: string;
    }[];
  };
  round_two_outputs: { outputs: { identifier: number; sig_share: string }[] };
  final_output: { sig: string };
};

const load = (name: string): Vector =>
  JSON.parse(readFileSync(new URL(`../../../../../test-vectors/rfc9591/${name}`, import.meta.url), 'utf8'));

/** A `random` that hands out the given byte strings in order, then fails loudly. */
function scripted(chunks: Bytes[]): (n: number) => Bytes {
  const queue = [...chunks];
  return (n: number) => {
    const next = queue.shift();
    if (!next || next.length !== n) throw new Error(`unexpected randomness request of ${n} bytes`);
    return next;
  };
}

function runVector(cs: FrostCiphersuite, v: Vector): Bytes {
  const { suite } = cs;
  const party = (id: number) => `p${id}`;
  const all = v.inputs.participant_shares;
  const parties = all.map((s) => party(s.identifier)).sort();
  const identifiers = Object.fromEntries(
    all.map((s) => [party(s.identifier), identifierHex(suite, s.identifier - 1)]),
  );
  const verifyingShares = Object.fromEntries(
    all.map((s) => [
      party(s.identifier),
      suite.encodePoint(suite.mulBase(suite.decodeScalar(hexToBytes(s.participant_share)))),
    ]),
  );
  const groupPublicKey = hexToBytes(v.inputs.group_public_key);
  // The group key must be the secret key's public key (sanity check of the vector and suite).
  assert.equal(
    bytesToHex(suite.encodePoint(suite.mulBase(suite.decodeScalar(hexToBytes(v.inputs.group_secret_key))))),
    v.inputs.group_public_key,
  );
  const message = hexToBytes(v.inputs.message);
  const signers = v.inputs.participant_list.map(party).sort();
  const threshold = Number(v.config.MIN_PARTICIPANTS);

  const r1 = v.round_one_outputs.outputs;
  const steps = new Map<string, ReturnType<typeof startFrostSignWith>>();
  const payloads = new Map<string, Bytes>();
  for (const out of r1) {
    const self = party(out.identifier);
    const shareHex = all.find((s) => s.identifier === out.identifier)?.participant_share as string;
    // RFC 9591 §4.1 nonce_generate reproduces the vector's nonces from its randomness.
    assert.equal(
      bytesToHex(
        suite.encodeScalar(nonceGenerate(cs, hexToBytes(out.hiding_nonce_randomness), hexToBytes(shareHex))),
      ),
      out.hiding_nonce,
    );
    assert.equal(
      bytesToHex(
        suite.encodeScalar(nonceGenerate(cs, hexToBytes(out.binding_nonce_randomness), hexToBytes(shareHex))),
      ),
      out.binding_nonce,
    );
    const key: KeyShare = {
      suite: suite.name,
      threshold,
      parties,
      identifiers,
      groupPublicKey,
      verifyingShares,
      signingShare: new SecretBytes(hexToBytes(shareHex)),
    };
    const ctx: SessionContext = {
      protocol: 'test/frost',
      ssid: new Uint8Array(32),
      self,
      parties: signers,
      random: scripted([hexToBytes(out.hiding_nonce_randomness), hexToBytes(out.binding_nonce_randomness)]),
    };
    const step = startFrostSignWith(cs, ctx, { key, signers, message });
    assert.equal(step.type, 'continue');
    if (step.type !== 'continue') throw new Error('unreachable');
    const payload = step.outbox[0]?.payload as Bytes;
    const [D, E] = decodeFields(payload) as [Bytes, Bytes];
    assert.equal(bytesToHex(D), out.hiding_nonce_commitment, `${self} hiding commitment`);
    assert.equal(bytesToHex(E), out.binding_nonce_commitment, `${self} binding commitment`);
    steps.set(self, step);
    payloads.set(self, payload);
  }

  // Binding factor inputs and factors (RFC 9591 §4.4) from the decoded commitment list.
  const list: SignerCommitment[] = r1.map((o) => ({
    party: party(o.identifier),
    id: BigInt(o.identifier),
    D: suite.decodePoint(hexToBytes(o.hiding_nonce_commitment)),
    E: suite.decodePoint(hexToBytes(o.binding_nonce_commitment)),
  }));
  const key = cs.signingKey(suite.decodePoint(groupPublicKey));
  const { inputs, rho } = computeBindingFactors(cs, key, list, message);
  for (const o of r1) {
    assert.equal(bytesToHex(inputs.get(party(o.identifier)) as Bytes), o.binding_factor_input);
    assert.equal(bytesToHex(suite.encodeScalar(rho.get(party(o.identifier)) as bigint)), o.binding_factor);
  }

  // Round 2 (sign): deliver the other signers' commitments, finalize, compare z_i.
  const outputs = new Map<string, FrostShareOutput>();
  for (const [self, step] of steps) {
    if (step.type !== 'continue') throw new Error('unreachable');
    const round = step.round;
    for (const from of round.from) {
      const verified = round.verify(from, payloads.get(from) as Bytes);
      assert.ok(verified.ok, `verify ${from} at ${self}`);
      if (verified.ok) round.store(from, verified.value);
    }
    const done = round.finalize();
    assert.equal(done.type, 'done');
    if (done.type === 'done') outputs.set(self, done.output);
  }
  for (const o of v.round_two_outputs.outputs)
    assert.equal(
      bytesToHex(outputs.get(party(o.identifier))?.share as Bytes),
      o.sig_share,
      `sig share ${o.identifier}`,
    );

  const first = outputs.get(signers[0] as string) as FrostShareOutput;
  const sig = aggregateFrostWith(cs, {
    groupPublicKey,
    verifyingShares,
    identifiers,
    message,
    commitments: first.commitments,
    shares: Object.fromEntries([...outputs].map(([p, o]) => [p, o.share])),
  });
  assert.equal(bytesToHex(sig), v.final_output.sig);
  assert.ok(cs.verify(groupPublicKey, message, sig));
  return sig;
}

test('RFC 9591 E.1 FROST(Ed25519, SHA-512) vectors pass through our rounds and aggregator', () => {
  const v = load('frost-ed25519-sha512.json');
  const sig = runVector(ED25519, v);
  // And the result is an RFC 8032 signature for OpenSSL.
  const spki = concatBytes(hexToBytes('302a300506032b6570032100'), hexToBytes(v.inputs.group_public_key));
  const pub = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  assert.ok(nodeVerify(null, hexToBytes(v.inputs.message), pub, sig));
});

test('RFC 9591 E.5 FROST(secp256k1, SHA-256) vectors pass through our rounds and aggregator', () => {
  runVector(SECP256K1, load('frost-secp256k1-sha256.json'));
});

test('vector signature fails when message, R or z is changed', () => {
  const v = load('frost-ed25519-sha512.json');
  const pk = hexToBytes(v.inputs.group_public_key);
  const msg = hexToBytes(v.inputs.message);
  const sig = hexToBytes(v.final_output.sig);
  assert.ok(ED25519.verify(pk, msg, sig));
  assert.equal(ED25519.verify(pk, hexToBytes('74657375'), sig), false);
  for (const i of [0, 40]) {
    const bad = Uint8Array.from(sig);
    bad[i] = (bad[i] as number) ^ 1;
    assert.equal(ED25519.verify(pk, msg, bad), false);
  }
});
