/**
 * Public derivation against the published vectors: every non-hardened step of BIP-0032 test
 * vectors 1 and 2 (as xpub strings: parent xpub → CKDpub → child xpub) and of SLIP-0010's
 * secp256k1 and nist256p1 vectors (public key, chain code, parent fingerprint, and the tweak:
 * parent private + tweak = child private), including SLIP-0010's "derivation retry for nist256p1".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { bytesToHex, hexToBytes } from '../../../crypto/bytes.ts';
import { type Bip32Curve, deriveChild, derivePath } from './ckd.ts';
import { decodeXpub, encodeXpub } from './xpub.ts';

// BIP-0032 "Test Vectors": [parent xpub, index, child xpub] for every non-hardened step.
const BIP32_STEPS: [string, number, string][] = [
  [
    'xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw',
    1,
    'xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ',
  ],
  [
    'xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5',
    2,
    'xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV',
  ],
  [
    'xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV',
    1000000000,
    'xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy',
  ],
  [
    'xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB',
    0,
    'xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH',
  ],
  [
    'xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxaEyBLZ85ySDhKiLDBrQSARLq1uNRts8RuJiHjaDMBU4Zn9h8LZNnBC5y4a',
    1,
    'xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG5mg5EwVvmdMVCQcoNJxGoWaU9DCWh89LojfZ537wTfunKau47EL2dhHKon',
  ],
  [
    'xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL',
    2,
    'xpub6FnCn6nSzZAw5Tw7cgR9bi15UV96gLZhjDstkXXxvCLsUXBGXPdSnLFbdpq8p9HmGsApME5hQTZ3emM2rnY5agb9rXpVGyy3bdW6EEgAtqt',
  ],
];

test('BIP-0032 vectors 1 and 2: every non-hardened step, xpub to xpub', () => {
  for (const [parent, index, expected] of BIP32_STEPS) {
    const p = decodeXpub(parent);
    assert.equal(encodeXpub(p), parent, 'xpub round trip');
    const c = deriveChild(p.publicKey, p.chainCode, index);
    const child = encodeXpub({
      version: p.version,
      depth: p.depth + 1,
      parentFingerprint: c.parentFingerprint,
      index,
      chainCode: c.chainCode,
      publicKey: c.publicKey,
    });
    assert.equal(child, expected, `${parent.slice(0, 12)}…/${index}`);
  }
});

test('BIP-0032 vector 1: a two-step path from m/0H/1/2H equals the step-by-step result', () => {
  const p = decodeXpub(BIP32_STEPS[1]?.[0] as string);
  const d = derivePath(p.publicKey, p.chainCode, 'm/2/1000000000');
  const expected = decodeXpub(BIP32_STEPS[2]?.[2] as string);
  assert.equal(bytesToHex(d.publicKey), bytesToHex(expected.publicKey));
  assert.equal(bytesToHex(d.chainCode), bytesToHex(expected.chainCode));
  assert.equal(bytesToHex(d.parentFingerprint), bytesToHex(expected.parentFingerprint));
  assert.equal(d.depth, 2);
  assert.equal(d.index, 1000000000);
});

type Node = { fp: string; cc: string; priv: string; pub: string };
// SLIP-0010 "Test vectors": [parent node, index, child node] for every non-hardened step.
const SLIP10_STEPS: [Bip32Curve, Node, number, Node][] = [
  [
    'secp256k1',
    {
      fp: '3442193e',
      cc: '47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141',
      priv: 'edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea',
      pub: '035a784662a4a20a65bf6aab9ae98a6c068a81c52e4b032c0fb5400c706cfccc56',
    },
    1,
    {
      fp: '5c1bd648',
      cc: '2a7857631386ba23dacac34180dd1983734e444fdbf774041578e9b6adb37c19',
      priv: '3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368',
      pub: '03501e454bf00751f24b1b489aa925215d66af2234e3891c3b21a52bedb3cd711c',
    },
  ],
  [
    'secp256k1',
    {
      fp: '00000000',
      cc: '60499f801b896d83179a4374aeb7822aaeaceaa0db1f85ee3e904c4defbd9689',
      priv: '4b03d6fc340455b363f51020ad3ecca4f0850280cf436c70c727923f6db46c3e',
      pub: '03cbcaa9c98c877a26977d00825c956a238e8dddfbd322cce4f74b0b5bd6ace4a7',
    },
    0,
    {
      fp: 'bd16bee5',
      cc: 'f0909affaa7ee7abe5dd4e100598d4dc53cd709d5a5c2cac40e7412f232f7c9c',
      priv: 'abe74a98f6c7eabee0428f53798f0ab8aa1bd37873999041703c742f15ac7e1e',
      pub: '02fc9e5af0ac8d9b3cecfe2a888e2117ba3d089d8585886c9c826b6b22a98d12ea',
    },
  ],
  [
    'p256',
    {
      fp: 'be6105b5',
      cc: '3460cea53e6a6bb5fb391eeef3237ffd8724bf0a40e94943c98b83825342ee11',
      priv: '6939694369114c67917a182c59ddb8cafc3004e63ca5d3b84403ba8613debc0c',
      pub: '0384610f5ecffe8fda089363a41f56a5c7ffc1d81b59a612d0d649b2d22355590c',
    },
    1,
    {
      fp: '9b02312f',
      cc: '4187afff1aafa8445010097fb99d23aee9f599450c7bd140b6826ac22ba21d0c',
      priv: '284e9d38d07d21e4e281b645089a94f4cf5a5a81369acf151a1c3a57f18b2129',
      pub: '03526c63f8d0b4bbbf9c80df553fe66742df4676b241dabefdef67733e070f6844',
    },
  ],
  [
    'p256',
    {
      fp: 'b98005c1',
      cc: '98c7514f562e64e74170cc3cf304ee1ce54d6b6da4f880f313e8204c2a185318',
      priv: '694596e8a54f252c960eb771a3c41e7e32496d03b954aeb90f61635b8e092aa7',
      pub: '0359cf160040778a4b14c5f4d7b76e327ccc8c4a6086dd9451b7482b5a4972dda0',
    },
    2,
    {
      fp: '0e9f3274',
      cc: 'ba96f776a5c3907d7fd48bde5620ee374d4acfd540378476019eab70790c63a0',
      priv: '5996c37fd3dd2679039b23ed6f70b506c6b56b3cb5e424681fb0fa64caf82aaa',
      pub: '029f871f4cb9e1c97f9f4de9ccd0d4a2f2a171110c61178f84430062230833ff20',
    },
  ],
  [
    'p256',
    {
      fp: '0e9f3274',
      cc: 'ba96f776a5c3907d7fd48bde5620ee374d4acfd540378476019eab70790c63a0',
      priv: '5996c37fd3dd2679039b23ed6f70b506c6b56b3cb5e424681fb0fa64caf82aaa',
      pub: '029f871f4cb9e1c97f9f4de9ccd0d4a2f2a171110c61178f84430062230833ff20',
    },
    1000000000,
    {
      fp: '8b2b5c4b',
      cc: 'b9b7b82d326bb9cb5b5b121066feea4eb93d5241103c9e7a18aad40f1dde8059',
      priv: '21c4f269ef0a5fd1badf47eeacebeeaa3de22eb8e5b0adcd0f27dd99d34d0119',
      pub: '02216cd26d31147f72427a453c443ed2cde8a1e53c9cc44e5ddf739725413fe3f4',
    },
  ],
  [
    'p256',
    {
      fp: '00000000',
      cc: '96cd4465a9644e31528eda3592aa35eb39a9527769ce1855beafc1b81055e75d',
      priv: 'eaa31c2e46ca2962227cf21d73a7ef0ce8b31c756897521eb6c7b39796633357',
      pub: '02c9e16154474b3ed5b38218bb0463e008f89ee03e62d22fdcc8014beab25b48fa',
    },
    0,
    {
      fp: '607f628f',
      cc: '84e9c258bb8557a40e0d041115b376dd55eda99c0042ce29e81ebe4efed9b86a',
      priv: 'd7d065f63a62624888500cdb4f88b6d59c2927fee9e6d0cdff9cad555884df6e',
      pub: '039b6df4bece7b6c81e2adfeea4bcf5c8c8a6e40ea7ffa3cf6e8494c61a1fc82cc',
    },
  ],
  [
    'p256',
    {
      fp: '946d2a54',
      cc: 'f235b2bc5c04606ca9c30027a84f353acf4e4683edbd11f635d0dcc1cd106ea6',
      priv: '96d2ec9316746a75e7793684ed01e3d51194d81a42a3276858a5b7376d4b94b9',
      pub: '02f89c5deb1cae4fedc9905f98ae6cbf6cbab120d8cb85d5bd9a91a72f4c068c76',
    },
    1,
    {
      fp: '218182d8',
      cc: '7c0b833106235e452eba79d2bdd58d4086e663bc8cc55e9773d2b5eeda313f3b',
      priv: '974f9096ea6873a915910e82b29d7c338542ccde39d2064d1cc228f371542bbc',
      pub: '03abe0ad54c97c1d654c1852dfdc32d6d3e487e75fa16f0fd6304b9ceae4220c64',
    },
  ],
  [
    'p256',
    {
      fp: '931223e4',
      cc: '5794e616eadaf33413aa309318a26ee0fd5163b70466de7a4512fd4b1a5c9e6a',
      priv: 'da29649bbfaff095cd43819eda9a7be74236539a29094cd8336b07ed8d4eff63',
      pub: '03cb8cb067d248691808cd6b5a5a06b48e34ebac4d965cba33e6dc46fe13d9b933',
    },
    2,
    {
      fp: '956c4629',
      cc: '3bfb29ee8ac4484f09db09c2079b520ea5616df7820f071a20320366fbe226a7',
      priv: 'bb0a77ba01cc31d77205d51d08bd313b979a71ef4de9b062f8958297e746bd67',
      pub: '020ee02e18967237cf62672983b253ee62fa4dd431f8243bfeccdf39dbe181387f',
    },
  ],
  // "Test derivation retry for nist256p1": the first I_L of m/28578H/33941 is ≥ n.
  [
    'p256',
    {
      fp: 'be6105b5',
      cc: 'e94c8ebe30c2250a14713212f6449b20f3329105ea15b652ca5bdfc68f6c65c2',
      priv: '06f0db126f023755d0b8d86d4591718a5210dd8d024e3e14b6159d63f53aa669',
      pub: '02519b5554a4872e8c9c1c847115363051ec43e93400e030ba3c36b52a3e70a5b7',
    },
    33941,
    {
      fp: '3e2b7bc6',
      cc: '9e87fe95031f14736774cd82f25fd885065cb7c358c1edf813c72af535e83071',
      priv: '092154eed4af83e078ff9b84322015aefe5769e31270f62c3f66c33888335f3a',
      pub: '0235bfee614c0d5b2cae260000bb1d0d84b270099ad790022c1ae0b2e782efe120',
    },
  ],
];

test('SLIP-0010 vectors (secp256k1, nist256p1): key, chain code, fingerprint, and parent private + tweak = child private', () => {
  for (const [curve, parent, index, child] of SLIP10_STEPS) {
    const d = deriveChild(hexToBytes(parent.pub), hexToBytes(parent.cc), index, curve);
    const where = `${curve} ${parent.pub.slice(0, 10)}…/${index}`;
    assert.equal(bytesToHex(d.publicKey), child.pub, where);
    assert.equal(bytesToHex(d.chainCode), child.cc, where);
    assert.equal(bytesToHex(d.parentFingerprint), child.fp, where);
    const Fn = (curve === 'p256' ? p256 : secp256k1).Point.Fn;
    const k = Fn.add(bytesToNumberBE(hexToBytes(parent.priv)), bytesToNumberBE(d.tweak));
    assert.equal(k, bytesToNumberBE(hexToBytes(child.priv)), `${where}: the tweak moves the shares`);
  }
});
