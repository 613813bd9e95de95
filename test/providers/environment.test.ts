import { describe, expect, it } from 'vitest';
import { EnvironmentVariablesProvider } from '../../src/providers/environment.js';
import { pairsOf, valueOf } from './helpers.js';

describe('EnvironmentVariablesProvider', () => {
  it('maps a given environment with the .NET rules, naming each variable as the source', async () => {
    const data = await new EnvironmentVariablesProvider({
      env: { Azure__SignalR__ConnectionString: 'Endpoint=https://x;AccessKey=k;Version=1.0;', REDISCACHECONNSTR_cache: 'c:6380' },
    }).load();
    expect(pairsOf(data)).toEqual([
      ['Azure:SignalR:ConnectionString', 'Endpoint=https://x;AccessKey=k;Version=1.0;'],
      ['ConnectionStrings:cache', 'c:6380'],
    ]);
    expect(data.get('azure:signalr:connectionstring')?.source).toBe('env Azure__SignalR__ConnectionString');
  });

  it("is named like .NET's provider, with the prefix when there is one", () => {
    expect(new EnvironmentVariablesProvider().name).toBe('EnvironmentVariablesConfigurationProvider');
    expect(new EnvironmentVariablesProvider({ prefix: 'DOTNET_' }).name).toBe("EnvironmentVariablesConfigurationProvider Prefix: 'DOTNET_'");
  });

  it('applies the prefix', async () => {
    const data = await new EnvironmentVariablesProvider({ prefix: 'DOTNET_', env: { DOTNET_ENVIRONMENT: 'Development', PATH: '/bin' } }).load();
    expect(pairsOf(data)).toEqual([['ENVIRONMENT', 'Development']]);
  });

  it('reads process.env afresh on every load by default', async () => {
    const name = `LAYERED_CONFIG_ENV_PROBE_${process.pid}`;
    const provider = new EnvironmentVariablesProvider({ prefix: name });
    try {
      process.env[name] = 'one';
      const first = await provider.load();
      process.env[name] = 'two';
      const second = await provider.load();
      expect([valueOf(first, ''), valueOf(second, '')]).toEqual(['one', 'two']);
    } finally {
      delete process.env[name];
    }
  });

  it('keeps __proto____polluted as an ordinary key', async () => {
    const env = Object.create(null) as Record<string, string>;
    env['__proto____polluted'] = '1';
    env['__proto__'] = '2';
    const data = await new EnvironmentVariablesProvider({ env }).load();
    expect(pairsOf(data)).toEqual([
      [':proto::polluted', '1'],
      [':proto:', '2'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
