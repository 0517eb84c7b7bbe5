export { ensureDevCluster, runDev, spawnNode, waitHealthy } from './dev.ts';
