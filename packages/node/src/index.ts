export { createApp, VERSION } from './api/app.ts';
export { generateToken, hashToken } from './auth/api-keys.ts';
export { type InitNodeOptions, initNodeDir, writeConfig } from './config/init.ts';
export { type NodeConfig, NodeConfigSchema, type PeerConfig } from './config/schema.ts';
export { createNode, loadConfigFile, startNode, type TkmsNode } from './node.ts';
