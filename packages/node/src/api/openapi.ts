/** The OpenAPI 3.1 document served at /v1/openapi.json. Routes and this document are tested together. */
import { ERRORS, KEY_TYPES, MAX_NEXT_PRESIGNATURES } from '@tkms/core';

const hex = { type: 'string', pattern: '^(?:[0-9a-f]{2})*$' };
const problem = {
  description: 'RFC 9457 problem details with a stable `code`',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};
const errors = {
  '400': problem,
  '401': problem,
  '403': problem,
  '404': problem,
  '409': problem,
  '413': problem,
  '429': problem,
  '502': problem,
  '503': problem,
  '504': problem,
};

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'tkms node API',
      version,
      description:
        'One node of a tkms threshold cluster. Clients send the same request, with the same session nonce, to every participating node; the nodes run the protocol among themselves and each answers with its part. The SDK (@tkms/sdk) does the fan-out, combines and verifies.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: {
      '/v1/health': {
        get: {
          summary: 'Liveness of this node',
          security: [],
          responses: {
            '200': {
              description: 'ok',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } },
            },
          },
        },
      },
      '/v1/keys': {
        get: {
          summary: 'List keys held by this node',
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: 'keys',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      keys: { type: 'array', items: { $ref: '#/components/schemas/KeyInfo' } },
                      nextCursor: { type: ['string', 'null'] },
                    },
                  },
                },
              },
            },
            ...errors,
          },
        },
        post: {
          summary: 'Generate a key by distributed key generation (send to every node of `nodes`)',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateKey' } } },
          },
          responses: {
            '201': {
              description: 'this node holds its share',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/KeyInfo' } } },
            },
            ...errors,
          },
        },
      },
      '/v1/keys/{id}': {
        get: {
          summary: 'Public information about one key',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'key',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/KeyInfo' } } },
            },
            ...errors,
          },
        },
      },
      '/v1/keys/{id}/sign': {
        post: {
          summary: "This node's signature share (send to every signer)",
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Sign' } } },
          },
          responses: {
            '200': {
              description: 'signature share (FROST) or the whole verified signature (ECDSA)',
              content: {
                'application/json': {
                  schema: {
                    oneOf: [
                      { $ref: '#/components/schemas/SignShare' },
                      { $ref: '#/components/schemas/EcdsaSignature' },
                    ],
                  },
                },
              },
            },
            ...errors,
          },
        },
      },
      '/v1/keys/{id}/presign': {
        post: {
          summary:
            'ECDSA keys: run rounds 1–2 ahead of any message with this signer set (send to every signer); sign later in one round with the returned presignatureId',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Presign' } } },
          },
          responses: {
            '200': {
              description: 'presignature stored sealed on this node',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/PresignResult' } } },
            },
            ...errors,
          },
        },
      },
      '/v1/keys/{id}/pair-setup': {
        post: {
          summary:
            'ECDSA keys: fresh base OTs between two holders (send to both), replacing their 2P-MUL states — needed after a failed 2P-MUL check discarded them (`sign.pair_needs_setup`)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/PairSetup' } } },
          },
          responses: {
            '200': {
              description: "this node's states with the other node replaced",
              content: { 'application/json': { schema: { $ref: '#/components/schemas/PairSetupResult' } } },
            },
            ...errors,
          },
        },
      },
      '/v1/keys/{id}/derive': {
        post: {
          summary:
            "This node's OPRF evaluations for a batch of objects (per-object policy) or blinded elements (whole-key grant), sealed to the requester key; send to `threshold` or more nodes and combine",
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Derive' } } },
          },
          responses: {
            '200': {
              description: 'evaluations for the items this node allows; the rest refused with reasons',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/DeriveShare' } } },
            },
            ...errors,
          },
        },
      },
      '/v1/keys/{id}/decrypt': {
        post: {
          summary:
            "This node's partial decryptions (with DLEQ proofs) of a batch of ciphertexts, each authorised on its label and sealed to the requester key",
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Decrypt' } } },
          },
          responses: {
            '200': {
              description: 'partials for the items this node allows; the rest refused with reasons',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/DecryptShare' } } },
            },
            ...errors,
          },
        },
      },
      '/v1/peer/messages': {
        post: {
          summary:
            'Node-to-node protocol envelope (signed by the sending node, payload encrypted to this node)',
          security: [],
          responses: { '202': { description: 'accepted' }, ...errors },
        },
      },
      '/v1/metrics': {
        get: {
          summary:
            "This node's counters in the Prometheus text format: envelopes and bytes sent to peers, sessions running",
          responses: { '200': { description: 'text/plain; version=0.0.4' }, ...errors },
        },
      },
      '/v1/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
      '/v1/docs': {
        get: {
          summary: 'Human-readable API page',
          security: [],
          responses: { '200': { description: 'HTML' } },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API key issued by this node' },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { type: 'string', enum: Object.keys(ERRORS) },
            detail: { type: 'string' },
            culprits: { type: 'array', items: { type: 'string' } },
            node: { type: 'string' },
          },
        },
        Health: {
          type: 'object',
          properties: {
            status: { const: 'ok' },
            node: { type: 'string' },
            version: { type: 'string' },
            peers: { type: 'array', items: { type: 'string' } },
          },
        },
        CreateKey: {
          type: 'object',
          required: ['id', 'type', 'threshold', 'nodes', 'sessionNonce'],
          additionalProperties: false,
          properties: {
            id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' },
            type: { type: 'string', enum: Object.keys(KEY_TYPES) },
            threshold: { type: 'integer', minimum: 2 },
            nodes: { type: 'array', items: { type: 'string' } },
            sessionNonce: { ...hex, minLength: 64, maxLength: 64 },
          },
        },
        KeyInfo: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            type: { type: 'string', enum: Object.keys(KEY_TYPES) },
            purpose: { type: 'string', enum: ['sign', 'derive', 'decrypt'] },
            version: { type: 'integer', description: 'key version; data keys are bound to it' },
            threshold: { type: 'integer' },
            nodes: { type: 'array', items: { type: 'string' } },
            publicKey: { ...hex, description: 'RFC 8032 key (ed25519) or BIP340 x-only key (secp256k1)' },
            groupKey: { ...hex, description: 'full group key encoding' },
            verifyingShares: { type: 'object', additionalProperties: hex },
            identifiers: { type: 'object', additionalProperties: hex },
            status: { type: 'string', enum: ['pending', 'active', 'failed', 'disabled'] },
            createdAt: { type: 'string', format: 'date-time' },
            node: { type: 'string' },
          },
        },
        Sign: {
          type: 'object',
          required: ['signers', 'sessionNonce'],
          additionalProperties: false,
          description: 'exactly one of message and digest (digest and path: ECDSA keys only)',
          properties: {
            message: { ...hex, description: 'message bytes; at most the node limit (64 KiB by default)' },
            digest: { ...hex, minLength: 64, maxLength: 64, description: 'ECDSA: 32-byte prehashed digest' },
            path: { type: 'string', pattern: '^m(/[0-9]+)*$', description: 'ECDSA: non-hardened BIP32 path' },
            presignatureId: {
              ...hex,
              minLength: 64,
              maxLength: 64,
              description: 'ECDSA: sign in one round with this presignature',
            },
            nextPresignatureIds: {
              type: 'array',
              items: { ...hex, minLength: 64, maxLength: 64 },
              minItems: 1,
              maxItems: MAX_NEXT_PRESIGNATURES,
              uniqueItems: true,
              description:
                'ECDSA: presignatures this caller signs with next (not the one used now); each signer takes all of them now in one statement (off their critical path) and holds them in memory; if any is unavailable none is taken; unused ones are burnt after minutes',
            },
            signers: { type: 'array', items: { type: 'string' } },
            sessionNonce: { ...hex, minLength: 64, maxLength: 64 },
            taproot: { type: 'object', properties: { merkleRoot: hex }, required: ['merkleRoot'] },
          },
        },
        Derive: {
          type: 'object',
          required: ['requesterKey'],
          additionalProperties: false,
          description: 'exactly one of objects and blinded',
          properties: {
            objects: {
              type: 'array',
              maxItems: 1000,
              items: { type: 'string', description: 'object path, e.g. contracts/4711/fields/ssn' },
            },
            blinded: { type: 'array', maxItems: 1000, items: hex },
            requesterKey: { ...hex, minLength: 64, maxLength: 64, description: 'fresh X25519 public key' },
          },
        },
        Refused: {
          type: 'object',
          properties: { index: { type: 'integer' }, code: { type: 'string' }, reason: { type: 'string' } },
        },
        DeriveShare: {
          type: 'object',
          properties: {
            keyId: { type: 'string' },
            node: { type: 'string' },
            version: { type: 'integer' },
            mode: { type: 'string', enum: ['object', 'oblivious'] },
            indices: { type: 'array', items: { type: 'integer' } },
            refused: { type: 'array', items: { $ref: '#/components/schemas/Refused' } },
            sealed: { ...hex, description: 'box sealed to requesterKey: proof and evaluations for indices' },
          },
        },
        Decrypt: {
          type: 'object',
          required: ['ciphertexts', 'requesterKey'],
          additionalProperties: false,
          properties: {
            ciphertexts: { type: 'array', maxItems: 1000, items: hex },
            requesterKey: { ...hex, minLength: 64, maxLength: 64 },
          },
        },
        DecryptShare: {
          type: 'object',
          properties: {
            keyId: { type: 'string' },
            node: { type: 'string' },
            indices: { type: 'array', items: { type: 'integer' } },
            refused: { type: 'array', items: { $ref: '#/components/schemas/Refused' } },
            sealed: { ...hex, description: 'box sealed to requesterKey: partial decryptions for indices' },
          },
        },
        Presign: {
          type: 'object',
          required: ['signers', 'sessionNonce'],
          additionalProperties: false,
          properties: {
            signers: { type: 'array', items: { type: 'string' } },
            sessionNonce: { ...hex, minLength: 64, maxLength: 64 },
          },
        },
        PresignResult: {
          type: 'object',
          properties: {
            keyId: { type: 'string' },
            node: { type: 'string' },
            presignatureId: hex,
            signers: { type: 'array', items: { type: 'string' } },
          },
        },
        PairSetup: {
          type: 'object',
          required: ['nodes', 'sessionNonce'],
          additionalProperties: false,
          properties: {
            nodes: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 },
            sessionNonce: { ...hex, minLength: 64, maxLength: 64 },
          },
        },
        PairSetupResult: {
          type: 'object',
          properties: {
            keyId: { type: 'string' },
            node: { type: 'string' },
            peer: { type: 'string' },
            replaced: {
              type: 'integer',
              description: 'active states discarded and replaced (0 when already discarded)',
            },
          },
        },
        EcdsaSignature: {
          type: 'object',
          properties: {
            keyId: { type: 'string' },
            node: { type: 'string' },
            scheme: { const: 'ecdsa' },
            publicKey: {
              ...hex,
              description: '33-byte SEC1 key the signature verifies under (child key with a path)',
            },
            digest: hex,
            signature: { ...hex, description: 'r ‖ s, 64 bytes, low-S' },
            recoveryId: { type: 'integer' },
            path: { type: 'string' },
          },
        },
        SignShare: {
          type: 'object',
          properties: {
            keyId: { type: 'string' },
            node: { type: 'string' },
            commitments: {
              type: 'object',
              additionalProperties: { type: 'object', properties: { hiding: hex, binding: hex } },
            },
            share: hex,
            groupCommitment: { ...hex, description: 'R as this node computed it' },
          },
        },
      },
    },
  };
}

export const DOCS_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tkms node API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1b1f24}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f4f5f7;padding:.75rem;overflow:auto;border-radius:6px}
.m{display:inline-block;min-width:3.5rem;font-weight:700}.get{color:#0a7}.post{color:#06c}h2{margin-top:2rem;border-top:1px solid #ddd;padding-top:1rem}</style></head>
<body><h1>tkms node API</h1><p id="d"></p><div id="p">Loading <a href="/v1/openapi.json">/v1/openapi.json</a>…</div>
<script>
fetch('/v1/openapi.json').then(r=>r.json()).then(doc=>{
  document.getElementById('d').textContent=doc.info.description;
  const esc=s=>String(s).replace(/[&<>]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;'}[c]));
  let h='';
  for(const [path,ops] of Object.entries(doc.paths)){for(const [m,op] of Object.entries(ops)){
    h+='<h2><span class="m '+m+'">'+m.toUpperCase()+'</span><code>'+esc(path)+'</code></h2><p>'+esc(op.summary||'')+'</p>';
    const body=op.requestBody&&op.requestBody.content['application/json'].schema.$ref;
    if(body){const n=body.split('/').pop();h+='<p>Body: <b>'+n+'</b></p><pre>'+esc(JSON.stringify(doc.components.schemas[n],null,2))+'</pre>';}
    h+='<p>Responses: '+Object.keys(op.responses).map(esc).join(', ')+'</p>';
  }}
  h+='<h2>Error codes</h2><pre>'+esc(doc.components.schemas.Problem.properties.code.enum.join('\\n'))+'</pre>';
  document.getElementById('p').innerHTML=h;
});
</script></body></html>`;
