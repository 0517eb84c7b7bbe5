import { KEY_TYPES, MAX_NEXT_PRESIGNATURES } from '@tkms/core';
import { z } from 'zod';

const hex = z.string().regex(/^(?:[0-9a-f]{2})*$/, 'must be lower-case hex of even length');
const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 32 bytes of lower-case hex');
export const keyId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'key ids are 1-128 of [A-Za-z0-9_.-]');
const nodeId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);

export const CreateKeyBody = z.strictObject({
  id: keyId,
  type: z.string().refine((t) => Object.hasOwn(KEY_TYPES, t), { message: 'unknown key type' }),
  threshold: z.number().int(),
  nodes: z.array(nodeId).min(2).max(64),
  sessionNonce: hex32,
});

export const SignBody = z.strictObject({
  message: hex.optional(),
  /** ECDSA: a prehashed 32-byte digest instead of a message. */
  digest: hex32.optional(),
  /** ECDSA: non-hardened BIP32 path of the child key to sign with. */
  path: z
    .string()
    .max(256)
    .regex(/^m(\/\d+)*$/, 'path must look like m/44/60/0/0/7 (non-hardened)')
    .optional(),
  /** ECDSA: sign in one round with this presignature. */
  presignatureId: hex32.optional(),
  /** ECDSA: the presignatures the caller signs with next (taken ahead, armed-presignatures.ts). */
  nextPresignatureIds: z
    .array(hex32)
    .min(1)
    .max(MAX_NEXT_PRESIGNATURES)
    .refine((ids) => new Set(ids).size === ids.length, 'nextPresignatureIds must not repeat an id')
    .optional(),
  signers: z.array(nodeId).min(2).max(64),
  sessionNonce: hex32,
  taproot: z.strictObject({ merkleRoot: hex }).optional(),
});

export const ListKeysQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(256).optional(),
});

/** Item counts are checked by the handlers (with a stable code); this only bounds the shape. */
export const DeriveBody = z
  .strictObject({
    objects: z.array(z.string().max(512)).optional(),
    blinded: z.array(hex).optional(),
    requesterKey: hex32,
  })
  .refine((b) => (b.objects === undefined) !== (b.blinded === undefined), {
    message: 'send either objects (policy-bound mode) or blinded (oblivious mode)',
  });

export const DecryptBody = z.strictObject({
  ciphertexts: z.array(hex),
  requesterKey: hex32,
});

export const PresignBody = z.strictObject({
  signers: z.array(nodeId).min(2).max(64),
  sessionNonce: hex32,
});

export const PairSetupBody = z.strictObject({
  nodes: z.tuple([nodeId, nodeId]),
  sessionNonce: hex32,
});
