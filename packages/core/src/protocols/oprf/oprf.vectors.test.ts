/**
 * RFC 9497 Appendix A vectors (test-vectors/rfc9497, unchanged excerpts of the RFC text) for
 * ristretto255-SHA512 and P256-SHA256, through our own code. The blind and the proof randomness
 * are fixed to the vectors' Blind and ProofRandomScalar by the injected `random` (see
 * `randomFor`), so `blind` and `evaluateShare` run unmodified.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { getMinHashLength } from '@noble/curves/abstract/modular.js';
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { p256_oprf } from '@noble/curves/nist.js';
import { numberToBytesBE, numberToBytesLE } from '@noble/curves/utils.js';
import { type Bytes, bytesToHex, concatBytes, hexToBytes, utf8 } from '../../crypto/bytes.ts';
import { SecretBytes } from '../../crypto/secret.ts';
import type { GroupPoint, RandomSource, Suite } from '../../crypto/suites/types.ts';
import {
  lengthPrefixed,
  MODE_POPRF,
  MODE_VOPRF,
  mulSecret,
  type OprfCiphersuite,
  oprfCiphersuite,
} from './ciphersuite.ts';
import { blind, finalize, finalizeObject, objectElement } from './client.ts';
import { combineEvaluations, verifyShareProof } from './combine.ts';
import { generateProof, verifyProof } from './dleq.ts';
import { evaluateShare } from './evaluate.ts';

type Fields = Record<string, string>;
type ModeBlock = { mode: 'OPRF' | 'VOPRF' | 'POPRF'; params: Fields; vectors: Fields[] };

/** Parses the RFC's Appendix A layout: "   Name = hex" with wrapped continuation lines. */
function parseAppendix(text: string): ModeBlock[] {
  const blocks: ModeBlock[] = [];
  let fields: Fields | undefined;
  let last: string | undefined;
  for (const line of text.split('\n')) {
    const mode = /^A\.\d+\.\d+\. {2}(OPRF|VOPRF|POPRF) Mode$/.exec(line);
    if (mode) {
      const block: ModeBlock = { mode: mode[1] as ModeBlock['mode'], params: {}, vectors: [] };
      blocks.push(block);
      fields = block.params;
      continue;
    }
    if (/^A\.\d+\.\d+\.\d+\. {2}Test Vector \d+, Batch Size \d+$/.test(line)) {
      const block = blocks.at(-1);
      assert.ok(block);
      fields = {};
      block.vectors.push(fields);
      continue;
    }
    const kv = /^ {3}(\w+) = (\S+)$/.exec(line);
    if (kv && fields) {
      last = kv[1] as string;
      fields[last] = kv[2] as string;
      continue;
    }
    const more = /^ {3}(\S+)$/.exec(line);
    if (more && fields && last) fields[last] += more[1] as string;
  }
  return blocks;
}

const load = (file: string) =>
  parseAppendix(
    readFileSync(new URL(`../../../../../test-vectors/rfc9497/${file}`, import.meta.url), 'utf8'),
  );

/** A `random` for which `suite.randomScalar` returns exactly `k` (it maps bytes b to (b mod (q−1)) + 1). */
function randomFor(suite: Suite, k: bigint): RandomSource {
  return (n: number) => {
    assert.equal(n, getMinHashLength(suite.order));
    return suite.Fn.isLE ? numberToBytesLE(k - 1n, n) : numberToBytesBE(k - 1n, n);
  };
}

const list = (v: string | undefined) => (v ?? '').split(',');
const hex = bytesToHex;

const SUITES = [
  { file: 'a1-ristretto255-sha512.txt', name: 'ristretto255', noble: ristretto255_oprf },
  { file: 'a3-p256-sha256.txt', name: 'p256', noble: p256_oprf },
] as const;

for (const { file, name, noble } of SUITES) {
  const cs: OprfCiphersuite = oprfCiphersuite(name);
  const { suite } = cs;
  const blocks = load(file);
  const block = (mode: ModeBlock['mode']) => {
    const b = blocks.find((x) => x.mode === mode);
    assert.ok(b, `${file}: no ${mode} block`);
    return b;
  };

  test(`${cs.id}: the vector file parses into 3 modes with 2, 3 and 3 vectors; keys derive from Seed (noble DeriveKeyPair)`, () => {
    assert.deepEqual(
      blocks.map((b) => [b.mode, b.vectors.length]),
      [
        ['OPRF', 2],
        ['VOPRF', 3],
        ['POPRF', 3],
      ],
    );
    const seed = hexToBytes(block('OPRF').params.Seed ?? '');
    const info = hexToBytes(block('OPRF').params.KeyInfo ?? '');
    assert.equal(hex(noble.oprf.deriveKeyPair(seed, info).secretKey), block('OPRF').params.skSm);
    const v = noble.voprf.deriveKeyPair(seed, info);
    assert.equal(hex(v.secretKey), block('VOPRF').params.skSm);
    assert.equal(hex(v.publicKey), block('VOPRF').params.pkSm);
    const p = noble.poprf(utf8('unused')).deriveKeyPair(seed, info);
    assert.equal(hex(p.secretKey), block('POPRF').params.skSm);
    assert.equal(hex(p.publicKey), block('POPRF').params.pkSm);
    // pkSm = skSm·G through our suite as well.
    for (const mode of ['VOPRF', 'POPRF'] as const) {
      const { skSm, pkSm } = block(mode).params;
      assert.equal(hex(suite.encodePoint(suite.mulBase(suite.decodeScalar(hexToBytes(skSm ?? ''))))), pkSm);
    }
  });

  test(`${cs.id} OPRF mode: Blind, BlindEvaluate (evaluateShare with the whole key), Finalize, Evaluate`, () => {
    const { skSm } = block('OPRF').params;
    const key = new SecretBytes(hexToBytes(skSm ?? ''));
    for (const v of block('OPRF').vectors) {
      const input = hexToBytes(v.Input ?? '');
      const r = suite.decodeScalar(hexToBytes(v.Blind ?? ''));
      const b = blind(name, input, randomFor(suite, r));
      assert.equal(hex(b.blind.expose()), v.Blind);
      assert.equal(hex(b.blindedElement), v.BlindedElement);
      const answer = evaluateShare(name, key, [b.blindedElement], randomFor(suite, 7n));
      assert.equal(hex(answer.evaluations[0] as Bytes), v.EvaluationElement);
      assert.equal(hex(finalize(name, input, b.blind, answer.evaluations[0] as Bytes).expose()), v.Output);
      // Evaluate (§3.3.1, no blinding) = the policy-bound mode: same output.
      const M = objectElement(name, input);
      const Z = evaluateShare(name, key, [M], randomFor(suite, 9n)).evaluations[0] as Bytes;
      assert.equal(hex(finalizeObject(name, input, Z).expose()), v.Output);
    }
  });

  test(`${cs.id} VOPRF mode: evaluateShare with the whole key reproduces EvaluationElement and Proof (batch 1 and 2)`, () => {
    const { skSm, pkSm } = block('VOPRF').params;
    const key = new SecretBytes(hexToBytes(skSm ?? ''));
    for (const v of block('VOPRF').vectors) {
      const inputs = list(v.Input).map(hexToBytes);
      const blinds = list(v.Blind).map((b) => suite.decodeScalar(hexToBytes(b)));
      // BlindedElement = blind·HashToGroup(input) with the VOPRF (mode 1) DST.
      const blinded = inputs.map((input, j) =>
        suite.encodePoint(mulSecret(cs.hashToGroup(input, MODE_VOPRF), blinds[j] as bigint)),
      );
      assert.deepEqual(blinded.map(hex), list(v.BlindedElement));
      const r = suite.decodeScalar(hexToBytes(v.ProofRandomScalar ?? ''));
      const answer = evaluateShare(name, key, blinded, randomFor(suite, r));
      assert.deepEqual(answer.evaluations.map(hex), list(v.EvaluationElement));
      assert.equal(hex(answer.proof), v.Proof);
      // Our verifier accepts it against pkSm, and so does the combiner with a threshold of 1.
      assert.ok(verifyShareProof(name, hexToBytes(pkSm ?? ''), blinded, answer));
      const combined = combineEvaluations({
        key: {
          suite: name,
          threshold: 1,
          identifiers: { s: hex(suite.encodeScalar(1n)) },
          verifyingShares: { s: hexToBytes(pkSm ?? '') },
        },
        elements: blinded,
        answers: { s: answer },
      });
      assert.deepEqual(combined.evaluations.map(hex), list(v.EvaluationElement));
      // VOPRF Finalize hashes exactly like OPRF Finalize.
      const outputs = combined.evaluations.map((Z, j) =>
        hex(
          finalize(
            name,
            inputs[j] as Bytes,
            new SecretBytes(suite.encodeScalar(blinds[j] as bigint)),
            Z,
          ).expose(),
        ),
      );
      assert.deepEqual(outputs, list(v.Output));
    }
  });

  test(`${cs.id} POPRF mode: the same GenerateProof/VerifyProof reproduce the POPRF proofs (tweaked key, C and D swapped)`, () => {
    const { skSm, pkSm } = block('POPRF').params;
    const skS = suite.decodeScalar(hexToBytes(skSm ?? ''));
    const pkS = suite.decodePoint(hexToBytes(pkSm ?? ''));
    for (const v of block('POPRF').vectors) {
      const info = hexToBytes(v.Info ?? '');
      // §3.3.3: framedInfo = "Info" || I2OSP(len(info), 2) || info; m = HashToScalar(framedInfo);
      // t = skS + m; tweakedKey = t·G = pkS + m·G.
      const framedInfo = concatBytes(utf8('Info'), lengthPrefixed(info));
      const m = cs.hashToScalar(framedInfo, MODE_POPRF);
      const t = suite.Fn.add(skS, m);
      const T = suite.mulBase(t);
      assert.ok(T.equals(pkS.add(suite.mulBasePublic(m))));
      const inputs = list(v.Input).map(hexToBytes);
      const blinds = list(v.Blind).map((b) => suite.decodeScalar(hexToBytes(b)));
      const B: GroupPoint[] = inputs.map((input, j) =>
        mulSecret(cs.hashToGroup(input, MODE_POPRF), blinds[j] as bigint),
      );
      assert.deepEqual(
        B.map((P) => hex(suite.encodePoint(P))),
        list(v.BlindedElement),
      );
      // evaluatedElement = t⁻¹·blindedElement; GenerateProof(t, G, tweakedKey, evaluatedElements, blindedElements).
      const E = B.map((P) => mulSecret(P, suite.Fn.inv(t)));
      assert.deepEqual(
        E.map((P) => hex(suite.encodePoint(P))),
        list(v.EvaluationElement),
      );
      const statement = {
        B: T,
        encodedB: suite.encodePoint(T),
        C: E,
        encodedC: E.map((P) => suite.encodePoint(P)),
        D: B,
        encodedD: B.map((P) => suite.encodePoint(P)),
      };
      const r = suite.decodeScalar(hexToBytes(v.ProofRandomScalar ?? ''));
      const proof = generateProof(cs, MODE_POPRF, t, statement, r);
      assert.equal(hex(proof), v.Proof);
      assert.ok(verifyProof(cs, MODE_POPRF, statement, proof));
      assert.equal(verifyProof(cs, MODE_VOPRF, statement, proof), false, 'the mode is bound by the context');
      // POPRF Finalize: Hash(len(input) || input || len(info) || info || len(N) || N || "Finalize").
      const outputs = E.map((P, j) => {
        const N = mulSecret(P, suite.Fn.inv(blinds[j] as bigint));
        return hex(
          cs.hash(
            concatBytes(
              lengthPrefixed(inputs[j] as Bytes),
              lengthPrefixed(info),
              lengthPrefixed(suite.encodePoint(N)),
              utf8('Finalize'),
            ),
          ),
        );
      });
      assert.deepEqual(outputs, list(v.Output));
    }
  });

  test(`${cs.id}: context strings and DSTs are the RFC's`, () => {
    const ids = { ristretto255: 'ristretto255-SHA512', p256: 'P256-SHA256' } as const;
    assert.equal(cs.id, ids[name]);
    assert.equal(
      hex(cs.contextString(0)),
      hex(concatBytes(utf8('OPRFV1-'), Uint8Array.of(0), utf8(`-${ids[name]}`))),
    );
    // HashToGroup for the OPRF vectors matches noble's own RFC 9497 blind with the same blind.
    const v = block('OPRF').vectors[0];
    assert.ok(v);
    const r = suite.decodeScalar(hexToBytes(v.Blind ?? ''));
    const input = hexToBytes(v.Input ?? '');
    const random = randomFor(suite, r);
    const viaNoble = noble.oprf.blind(input, (n?: number) => random(n ?? 0));
    assert.equal(hex(viaNoble.blinded), v.BlindedElement);
  });
}
