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
  /** Per-call timeout to one node (ms). Default 15 000. */
  timeoutMs?: number;
  /** Health-check timeout when choosing signers (ms). Default 1 500. */
  healthTimeoutMs?: number;
  /**
   * Told whenever a node is caught misbehaving (a bad proof, an answer that does not open). The
   * call still succeeds when enough honest nodes answered; report these to the operators.
   */
  /** Use libsodium (WASM) for the client's group arithmetic when it loads. Default true. */
  nativeCrypto?: boolean;
  onNodeFault?: (fault: { node: string; code: string; reason: string }) => void;
};
