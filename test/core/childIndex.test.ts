import { describe, expect, it } from 'vitest';
import { ConfigurationRoot, providerData, type ConfigurationProvider, type ProviderData } from '../../src/index.js';

/**
 * The parent → children index is built on first use after a load or reload (a service that only
 * calls `get` never needs it). It must still name each child as its first appearance spells it,
 * across providers, and follow every reload, whether or not it was built before.
 */
function switchable(initial: Record<string, string>) {
  let current = initial;
  const provider: ConfigurationProvider = {
    name: 'Switchable',
    load: async (): Promise<ProviderData> => providerData(Object.entries(current).map(([key, value]) => ({ key, value }))),
  };
  return { provider, set: (next: Record<string, string>) => (current = next) };
}

const keysOf = (root: ConfigurationRoot, path?: string) =>
  (path === undefined ? root.getChildren() : root.getSection(path).getChildren()).map((s) => s.key);

describe('the children index', () => {
  it('spells each child as its first appearance does, whichever provider wins the value', async () => {
    const first = switchable({ 'Svc:Port': '1', 'Svc:Name': 'a' });
    const second = switchable({ 'SVC:PORT': '2', 'svc:extra:Deep': 'x', 'Other': 'o' });
    const root = new ConfigurationRoot([first.provider, second.provider], [await first.provider.load(), await second.provider.load()]);
    expect(root.get('svc:port')).toBe('2');
    expect(keysOf(root)).toEqual(['Other', 'Svc']);
    expect(keysOf(root, 'SVC')).toEqual(['extra', 'Name', 'Port']);
    expect(root.getSection('svc:EXTRA').exists()).toBe(true);
    expect(root.debugView({ sources: false })).toContain('Port=2 (Switchable)');
  });

  it('follows reloads, built before them or not', async () => {
    const source = switchable({ 'A:One': '1', 'A:Two': '2' });
    const root = new ConfigurationRoot([source.provider], [await source.provider.load()]);
    expect(keysOf(root, 'a')).toEqual(['One', 'Two']); // built now

    source.set({ 'A:Three': '3', 'b:x': 'y' });
    await root.reload();
    expect(root.get('a:three')).toBe('3');
    expect(keysOf(root, 'A')).toEqual(['Three']);
    expect(keysOf(root)).toEqual(['A', 'b']);

    source.set({ 'C:z': '1' });
    await root.reload(); // not built between these two reloads
    source.set({ 'D:z': '1' });
    await root.reload();
    expect(keysOf(root)).toEqual(['D']);
    expect(root.getSection('C').exists()).toBe(false);
  });
});
