import { ConfigurationBuilder } from '../../../src/builder.js';
import type { ConfigurationRoot } from '../../../src/core/root.js';
import { AzureAppConfigurationProvider, type AzureAppConfigurationOptions } from '../../../src/providers/azureAppConfiguration.js';
import type { AppConfigurationEmulator } from '../../emulators/appConfiguration.js';

/** Options that reach the emulator with HMAC; `extra` overrides. */
export function hmacOptions(emu: AppConfigurationEmulator, extra: Partial<AzureAppConfigurationOptions> = {}): AzureAppConfigurationOptions {
  return { connectionString: emu.connectionString, clientOptions: emu.clientOptions, ...extra };
}

/** Options that reach the emulator with a bearer credential. */
export function entraOptions(emu: AppConfigurationEmulator, extra: Partial<AzureAppConfigurationOptions> = {}): AzureAppConfigurationOptions {
  return { endpoint: emu.endpoint, credential: emu.credential, clientOptions: emu.clientOptions, ...extra };
}

export async function buildRoot(options: AzureAppConfigurationOptions): Promise<{ root: ConfigurationRoot; provider: AzureAppConfigurationProvider }> {
  const provider = new AzureAppConfigurationProvider(options);
  const root = await new ConfigurationBuilder().add(provider).build();
  return { root, provider };
}

/** Every key → value of a root, keys as spelled. */
export function flat(root: ConfigurationRoot): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of root.entries()) if (v !== null) out[k] = v;
  return out;
}

/** Polls `condition` until it holds (no fixed sleeps: the machine is shared). */
export async function until(condition: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
