/**
 * Environment-variable names → configuration keys, as .NET's `EnvironmentVariablesConfigurationProvider`
 * maps them. Pure: the environment provider and the `.env` provider both feed it name/value pairs,
 * so a variable means the same thing wherever it is written.
 */

import { combinePath, foldKey, normalizeEnvironmentKey } from '../core/path.js';
import type { ProviderEntry } from '../core/provider.js';

/**
 * The connection-string prefixes Azure App Service puts on connection strings, in .NET's order
 * (checked first to last, so `SQLAZURECONNSTR_` is tried before `SQLCONNSTR_`), with the ADO.NET
 * provider name .NET records for them.
 */
export const CONNECTION_STRING_PREFIXES: ReadonlyArray<{ readonly prefix: string; readonly providerName?: string }> = [
  { prefix: 'MYSQLCONNSTR_', providerName: 'MySql.Data.MySqlClient' },
  { prefix: 'SQLAZURECONNSTR_', providerName: 'System.Data.SqlClient' },
  { prefix: 'SQLCONNSTR_', providerName: 'System.Data.SqlClient' },
  { prefix: 'POSTGRESQLCONNSTR_', providerName: 'Npgsql' },
  { prefix: 'APIHUBCONNSTR_' },
  { prefix: 'DOCDBCONNSTR_' },
  { prefix: 'EVENTHUBCONNSTR_' },
  { prefix: 'NOTIFICATIONHUBCONNSTR_' },
  { prefix: 'REDISCACHECONNSTR_' },
  { prefix: 'SERVICEBUSCONNSTR_' },
  { prefix: 'CUSTOMCONNSTR_' },
];

export interface EnvironmentMappingOptions {
  /**
   * Only variables whose mapped key starts with this (case-insensitively) are kept, with it removed
   * once. The prefix is mapped like a name first, so `App__` and `App:` are the same prefix.
   */
  prefix?: string;
  /** The provenance of one variable; default `env <NAME>`. */
  sourceOf?: (name: string) => string;
}

function startsWithIgnoreCase(text: string, prefix: string): boolean {
  return text.length >= prefix.length && foldKey(text.slice(0, prefix.length)) === foldKey(prefix);
}

/**
 * Every prefix above ends in `CONNSTR_`, and only ASCII letters fold to its letters, so a name
 * without it (in any ASCII case) needs no look at the list: most names, once each at start-up.
 */
const MAY_BE_CONNECTION_STRING = /connstr_/i;

/**
 * Maps variables in the order given to entries in the same order (a later entry for the same key
 * wins when they are collected with `providerData`). `__` becomes `:` left to right (`A___B` →
 * `A:_B`); a connection-string variable `SQLCONNSTR_Db` gives `ConnectionStrings:Db` and
 * `ConnectionStrings:Db_ProviderName`. Values are never altered.
 */
export function mapEnvironmentVariables(
  variables: Iterable<readonly [string, string | undefined]>,
  options: EnvironmentMappingOptions = {},
): ProviderEntry[] {
  const prefix = normalizeEnvironmentKey(options.prefix ?? '');
  const sourceOf = options.sourceOf ?? ((name: string) => `env ${name}`);
  const entries: ProviderEntry[] = [];

  const add = (key: string, value: string, name: string): void => {
    if (prefix === '') {
      entries.push({ key, value, source: sourceOf(name) });
      return;
    }
    if (!startsWithIgnoreCase(key, prefix)) return;
    entries.push({ key: key.slice(prefix.length), value, source: sourceOf(name) });
  };

  for (const [name, value] of variables) {
    // process.env can hold an own property set to undefined by user code; it is no variable.
    if (value === undefined) continue;
    const match = MAY_BE_CONNECTION_STRING.test(name) ? CONNECTION_STRING_PREFIXES.find((p) => startsWithIgnoreCase(name, p.prefix)) : undefined;
    if (!match) {
      add(normalizeEnvironmentKey(name), value, name);
      continue;
    }
    const connectionName = normalizeEnvironmentKey(name.slice(match.prefix.length));
    add(combinePath('ConnectionStrings', connectionName), value, name);
    if (match.providerName !== undefined) {
      add(combinePath('ConnectionStrings', `${connectionName}_ProviderName`), match.providerName, name);
    }
  }
  return entries;
}
