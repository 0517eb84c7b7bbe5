/**
 * The stored form of a node identity. Versioned and strict (unknown fields are refused, after
 * ZcashFoundation/frost's serialisation rules); the private keys sit under `secret` so the object
 * is easy to seal as a unit and easy to spot in review. This JSON holds secrets in the clear: it is
 * meant to be sealed under the node's master key before it reaches disk.
 */
import { bytesToHex, hexToBytes, isHex, SecretBytes } from '@tkms/core';
import { NodeIdentity } from './node-identity.ts';

export const IDENTITY_JSON_TYPE = 'tkms/node-identity';

export type IdentityJson = {
  readonly v: 1;
  readonly type: typeof IDENTITY_JSON_TYPE;
  readonly signPublicKey: string;
  readonly encPublicKey: string;
  readonly secret: {
    /** Ed25519 private key (RFC 8032 seed), 32 bytes as lower-case hex. */
    readonly signPrivateKey: string;
    /** X25519 private key (RFC 7748 scalar, unclamped as generated), 32 bytes as lower-case hex. */
    readonly encPrivateKey: string;
  };
};

export function identityToJson(id: NodeIdentity): IdentityJson {
  const { signPrivateKey, encPrivateKey } = id.privateKeys();
  return {
    v: 1,
    type: IDENTITY_JSON_TYPE,
    signPublicKey: bytesToHex(id.signPublicKey),
    encPublicKey: bytesToHex(id.encPublicKey),
    secret: {
      signPrivateKey: bytesToHex(signPrivateKey.expose()),
      encPrivateKey: bytesToHex(encPrivateKey.expose()),
    },
  };
}

/**
 * Parses and checks a stored identity: version, type, exact field sets, 32-byte hex everywhere, and
 * that each public key belongs to its private key. Errors name the field, never its value.
 */
export function identityFromJson(value: unknown): NodeIdentity {
  const top = record(value, 'identity', ['v', 'type', 'signPublicKey', 'encPublicKey', 'secret']);
  if (top.v !== 1) throw new TypeError('identity: unsupported version (expected v = 1)');
  if (top.type !== IDENTITY_JSON_TYPE) throw new TypeError(`identity: type must be "${IDENTITY_JSON_TYPE}"`);
  const secret = record(top.secret, 'identity.secret', ['signPrivateKey', 'encPrivateKey']);
  const signPublicKey = hex32(top.signPublicKey, 'identity.signPublicKey');
  const encPublicKey = hex32(top.encPublicKey, 'identity.encPublicKey');
  const signRaw = hexToBytes(hex32(secret.signPrivateKey, 'identity.secret.signPrivateKey'));
  const encRaw = hexToBytes(hex32(secret.encPrivateKey, 'identity.secret.encPrivateKey'));
  try {
    return NodeIdentity.fromKeys({
      signPublicKey: hexToBytes(signPublicKey),
      encPublicKey: hexToBytes(encPublicKey),
      signPrivateKey: new SecretBytes(signRaw),
      encPrivateKey: new SecretBytes(encRaw),
    });
  } finally {
    signRaw.fill(0);
    encRaw.fill(0);
  }
}

function record(value: unknown, where: string, fields: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`${where} must be an object`);
  for (const k of Object.keys(value))
    if (!fields.includes(k)) throw new TypeError(`${where} has an unknown field "${k}"`);
  return value as Record<string, unknown>;
}

function hex32(value: unknown, where: string): string {
  if (!isHex(value, 32)) throw new TypeError(`${where} must be 32 bytes of lower-case hex`);
  return value;
}
