import { resolve } from 'node:path';
import { createClient, type TkmsClient } from '@tkms/sdk';
import { loadClientConfig } from '@tkms/sdk/load-config';

/** `--config`, else TKMS_CONFIG, else ./.tkms/client.json (what `tkms dev` writes). */
export function clientConfigPath(flag?: string): string {
  return resolve(flag ?? process.env.TKMS_CONFIG ?? '.tkms/client.json');
}

export function clientFrom(flag?: string): TkmsClient {
  return createClient(loadClientConfig(clientConfigPath(flag)));
}
