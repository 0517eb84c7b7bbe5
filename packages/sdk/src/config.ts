import type { HttpTransport } from './http.ts';

/** How the client reaches one node: its URL, this client's credential there, and its pinned keys. */
export type NodeEndpoint = {
  id: string;
  url: string;
  apiKey: string;
  signPublicKey?: string;
  encPublicKey?: string;
};

export type ClientConfig = {
  nodes: NodeEndpoint[];
  /**
   * How requests are sent. Default: the platform's `fetch`. In Node, `loadClientConfig` sets
   * `nodeHttpTransport()` (node-http.ts), which costs less CPU per request.
   */
  transport?: HttpTransport;
  /** Per-call timeout to one node (ms). Default 15 000. */
  timeoutMs?: number;
  /** Health-check timeout when choosing signers (ms). Default 1 500. */
  healthTimeoutMs?: number;
  /** Use libsodium (WASM) for the client's group arithmetic when it loads. Default true. */
  nativeCrypto?: boolean;
  /**
   * Told whenever a node is caught misbehaving (a bad proof, an answer that does not open). The
   * call still succeeds when enough honest nodes answered; report these to the operators.
   */
  onNodeFault?: (fault: { node: string; code: string; reason: string }) => void;
  /**
   * ECDSA keys: keep this many presignatures ready per key and signer set, so `sign` needs one
   * round (`presign-pool.ts`). The pool fills in the background after first use, or at once with
   * `fillPresignatures`. Default 0 (off: every signature runs all three rounds).
   */
  presignaturePool?: number;
  /** Told when filling the presignature pool fails (signing falls back to three rounds). */
  onPoolError?: (error: unknown) => void;
};
