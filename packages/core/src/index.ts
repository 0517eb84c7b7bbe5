export * from './crypto/bytes.ts';
export * from './crypto/lp.ts';
export * from './crypto/secret.ts';
export * from './crypto/transcript.ts';
export * from './engine/runner.ts';
export * from './engine/ssid.ts';
export * from './engine/types.ts';
export * from './errors/index.ts';
