export { type LoadMasterKeyOptions, loadMasterKey } from './master-key.ts';
export {
  createSealer,
  SEAL_ALG_XCHACHA20POLY1305,
  SEAL_MAGIC,
  type SealAadInput,
  type Sealer,
  type SealerOptions,
  sealAad,
  shareAad,
} from './sealer.ts';
