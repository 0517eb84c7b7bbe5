export { IDENTITY_JSON_TYPE, type IdentityJson, identityFromJson, identityToJson } from './identity-json.ts';
export { generateIdentity, type IdentityKeys, NodeIdentity, publicIdentity } from './node-identity.ts';
export { type PeerKeys, type PublicIdentity, parsePublicIdentity, peerKeys } from './public-identity.ts';
