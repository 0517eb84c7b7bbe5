export { enableNativeCrypto } from './accel.ts';
export {
  type CreateKeyParameters,
  createClient,
  type NodeHealth,
  PRESIGNATURE_ARM_BATCH,
  type SignParameters,
  type SignReturnType,
  type TkmsClient,
} from './client.ts';
export type { ClientConfig, NodeEndpoint } from './config.ts';
export { callNode, fetchTransport, type HttpAnswer, type HttpRequest, type HttpTransport } from './http.ts';
