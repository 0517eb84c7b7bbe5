/**
 * The one catalog of stable error codes. Codes never change meaning once released; the HTTP
 * status is what a node answers with (RFC 9457 problem+json, `type` = `urn:tkms:error:<code>`).
 * Messages here are templates for humans and must never carry secret material.
 */
export const ERRORS = {
  // request validation
  'request.invalid': { status: 400, title: 'The request is malformed' },
  'request.bad_hex': { status: 400, title: 'A field is not canonical lower-case hex' },
  'request.too_large': { status: 413, title: 'The request or message exceeds the size limit' },
  'key.type_unknown': { status: 400, title: 'Unknown key type' },
  'key.threshold_invalid': {
    status: 400,
    title: 'Threshold must be at least 2 and at most the number of nodes',
  },
  'key.not_found': { status: 404, title: 'No key with this id' },
  'key.exists': { status: 409, title: 'A key with this id already exists' },
  'key.not_active': { status: 409, title: 'The key is not active (its generation did not complete)' },
  'sign.signers_invalid': { status: 400, title: 'The signer set is invalid for this key' },
  'sign.presignature_unavailable': {
    status: 409,
    title: 'No such presignature on this node, or it was already used (a presignature signs once)',
  },
  'sign.presignature_limit': {
    status: 409,
    title: 'This node already keeps the most ready presignatures it allows for this key and signer set',
  },
  'sign.pair_needs_setup': {
    status: 409,
    title:
      'Two of the signers have no 2P-MUL state with each other (discarded after a failed check): run a pair setup first',
  },
  'key.wrong_purpose': {
    status: 409,
    title: 'The key is not for this operation (one key, one purpose: sign, derive or decrypt)',
  },
  'object.invalid': { status: 400, title: 'The object path is not valid' },
  // authentication
  'auth.missing': { status: 401, title: 'No credential was presented' },
  'auth.invalid': { status: 401, title: 'The credential is not valid on this node' },
  // authorization (each node decides on its own)
  'policy.denied': { status: 403, title: 'This node’s policy does not allow the request' },
  'policy.rate_limited': { status: 429, title: 'Too many requests for this key by this caller' },
  'access.refused': {
    status: 403,
    title: 'Fewer nodes than the threshold allowed the request (each refusal says why)',
  },
  // sessions and peers
  'session.exists': { status: 409, title: 'A session with this id already ran on this node' },
  'session.timeout': { status: 504, title: 'A party did not answer in time' },
  'session.aborted': { status: 502, title: 'The protocol session aborted' },
  'peer.unknown': { status: 403, title: 'The sender is not a pinned peer' },
  'peer.bad_signature': { status: 401, title: 'The peer envelope signature does not verify' },
  'peer.replay': { status: 409, title: 'The peer envelope was already received' },
  'peer.stale': { status: 400, title: 'The peer envelope is outside the accepted time window' },
  'peer.malformed': { status: 400, title: 'The peer envelope is malformed' },
  'peer.unreachable': { status: 503, title: 'A peer node cannot be reached' },
  'node.unreachable': { status: 503, title: 'A node cannot be reached' },
  'node.inconsistent': { status: 502, title: 'Nodes disagree about a public value' },
  'sign.verify_failed': { status: 502, title: 'The combined signature does not verify' },
  'config.invalid': { status: 400, title: 'The configuration is invalid' },
  // protocol aborts (carried inside session.aborted as `abort.code`)
  'protocol.header_mismatch': { status: 400, title: 'Message header does not match the session' },
  'protocol.malformed': { status: 400, title: 'A protocol message could not be decoded' },
  'protocol.equivocation': { status: 502, title: 'A party sent conflicting messages' },
  'protocol.echo_mismatch': { status: 502, title: 'Parties received different broadcasts' },
  'protocol.bad_proof': { status: 502, title: 'A proof of knowledge does not verify' },
  'protocol.bad_share': { status: 502, title: 'A secret share does not match its commitment' },
  'protocol.bad_signature_share': { status: 502, title: 'A signature share does not verify' },
  'protocol.bad_commitment': { status: 502, title: 'A commitment is malformed' },
  'protocol.unexpected_sender': { status: 502, title: 'A message came from a party outside the session' },
  'protocol.timeout': { status: 504, title: 'A party did not send its message in time' },
  'protocol.confirm_mismatch': { status: 502, title: 'Parties derived different results' },
  'protocol.bad_decommitment': { status: 502, title: 'A party opened a commitment to a different value' },
  'protocol.bad_ot': { status: 502, title: 'An OT-extension consistency check failed' },
  'protocol.bad_mul': { status: 502, title: 'A two-party multiplication check failed' },
  'protocol.bad_public_share': {
    status: 502,
    title: 'The parties’ public key shares do not sum to the group key',
  },
  // threshold decryption
  'decrypt.invalid_ciphertext': { status: 400, title: 'The ciphertext is malformed' },
  'decrypt.bad_proof': { status: 400, title: 'The ciphertext validity proof does not verify' },
  'decrypt.label_mismatch': {
    status: 400,
    title: 'The ciphertext is bound to another label than the authorised one',
  },
  'decrypt.bad_partial': { status: 502, title: 'A node’s partial decryption does not verify' },
  'decrypt.not_enough_partials': {
    status: 502,
    title: 'Fewer valid partial decryptions than the threshold',
  },
  'decrypt.open_failed': {
    status: 422,
    title: 'The partial decryptions combine but do not open the ciphertext',
  },
  // threshold OPRF (per-object data keys)
  'oprf.bad_element': { status: 400, title: 'An OPRF element is not a valid group element' },
  'oprf.bad_evaluation': { status: 502, title: 'A node returned a malformed OPRF evaluation' },
  'oprf.bad_proof': { status: 502, title: 'A node’s OPRF evaluation proof does not verify' },
  'oprf.not_enough_answers': {
    status: 502,
    title: 'Fewer valid OPRF evaluations than the threshold',
  },
  // field-level encryption (sealed JSON documents)
  'fields.invalid': { status: 400, title: 'The document or field list is not valid for sealing' },
  'fields.malformed': { status: 400, title: 'The sealed document is malformed' },
  'fields.tampered': {
    status: 422,
    title: 'A sealed field does not open: it was altered, moved, or its object path changed',
  },
  'box.open_failed': { status: 502, title: 'An answer sealed to this client does not open' },
  // storage and internals
  'storage.failed': { status: 500, title: 'Storage operation failed' },
  'seal.failed': { status: 500, title: 'A sealed blob failed to open (wrong master key or tampering)' },
  internal: { status: 500, title: 'Internal error' },
  not_found: { status: 404, title: 'No such route' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code);
}
