import type { AzureRedisKind } from './types.js';

/** Azure Cache for Redis suffixes, public and sovereign clouds (StackExchange.Redis `AzureOptionsProvider`). */
const AZURE_CACHE_SUFFIXES = [
  '.redis.cache.windows.net',
  '.redis.cache.chinacloudapi.cn',
  '.redis.cache.usgovcloudapi.net',
  '.redis.cache.sovcloud-api.de',
  '.redis.cache.sovcloud-api.fr',
];

/** Azure Managed Redis (and legacy Enterprise) suffixes (StackExchange.Redis `AzureManagedRedisOptionsProvider`, ≥ 2.11). */
const AZURE_MANAGED_SUFFIXES = [
  '.redis.azure.net',
  '.redis.chinacloudapi.cn',
  '.redis.usgovcloudapi.net',
  '.redis.sovcloud-api.de',
  '.redis.sovcloud-api.fr',
  '.redisenterprise.cache.azure.net',
];

/** The Azure family of a DNS host name by suffix (case-insensitive); IP addresses never match. */
export function azureKindOf(host: string): AzureRedisKind | undefined {
  const h = host.toLowerCase();
  if (AZURE_MANAGED_SUFFIXES.some((s) => h.endsWith(s))) return 'azureManagedRedis';
  if (AZURE_CACHE_SUFFIXES.some((s) => h.endsWith(s))) return 'azureCacheForRedis';
  return undefined;
}

/** Azure Managed Redis listens on 10000 for TLS and non-TLS alike. */
export const AZURE_MANAGED_REDIS_PORT = 10000;

/**
 * The port to use when none is written, outside the StackExchange.Redis form (which keeps its own
 * 6380/6379 rule): 10000 for Azure Managed Redis, else 6380 with TLS and 6379 without.
 */
export function defaultPort(host: string, tls: boolean): number {
  if (azureKindOf(host) === 'azureManagedRedis') return AZURE_MANAGED_REDIS_PORT;
  return tls ? 6380 : 6379;
}

/** Ports are 1–65535; 0 means "not written" only inside the StackExchange.Redis parser. */
export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/**
 * A usable host: a DNS name or an IP address, no scheme, path, user info or white space.
 * IPv6 literals are accepted bare or in brackets (brackets are removed).
 */
export function normalizeHost(host: string): string | undefined {
  let h = host.trim();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (!h) return undefined;
  if (/[\s/@?#\\,]/.test(h)) return undefined;
  if (h.includes(':') && !/^[0-9a-f:.%]+$/i.test(h)) return undefined;
  return h;
}
