import { describe, expect, it } from 'vitest';
import { providerData } from '../../src/core/provider.js';
import { mapEnvironmentVariables } from '../../src/parsers/environment.js';

type Vars = Array<readonly [string, string | undefined]>;

/** The mapped data as `[key, value]` pairs after the later-wins merge a provider applies. */
function mapped(vars: Vars, prefix?: string): Array<[string, string | null]> {
  return [...providerData(mapEnvironmentVariables(vars, { prefix })).values()].map((e) => [e.key, e.value]);
}

function lookup(vars: Vars, key: string, prefix?: string): string | null | undefined {
  return providerData(mapEnvironmentVariables(vars, { prefix })).get(key.toLowerCase())?.value;
}

describe('mapEnvironmentVariables: .NET EnvironmentVariablesTest vectors', () => {
  it('keeps names with ":" as they are (LoadKeyValuePairsFromEnvironmentDictionary)', () => {
    expect(
      mapped([
        ['DefaultConnection:ConnectionString', 'TestConnectionString'],
        ['DefaultConnection:Provider', 'SqlClient'],
        ['Inventory:ConnectionString', 'AnotherTestConnectionString'],
      ]),
    ).toEqual([
      ['DefaultConnection:ConnectionString', 'TestConnectionString'],
      ['DefaultConnection:Provider', 'SqlClient'],
      ['Inventory:ConnectionString', 'AnotherTestConnectionString'],
    ]);
  });

  it('maps "__" to ":" left to right without overlap', () => {
    expect(mapped([['data__ConnectionString', 'connection'], ['A___B', '3'], ['A____B', '4'], ['A_B', '1'], ['__x', '5']])).toEqual([
      ['data:ConnectionString', 'connection'],
      ['A:_B', '3'],
      ['A::B', '4'],
      ['A_B', '1'],
      [':x', '5'],
    ]);
  });

  it('filters by a prefix and removes it (LoadKeyValuePairsFromEnvironmentDictionaryWithPrefix)', () => {
    const vars: Vars = [
      ['DefaultConnection:ConnectionString', 'TestConnectionString'],
      ['DefaultConnection:Provider', 'SqlClient'],
      ['Inventory:ConnectionString', 'AnotherTestConnectionString'],
    ];
    expect(mapped(vars, 'DefaultConnection:')).toEqual([
      ['ConnectionString', 'TestConnectionString'],
      ['Provider', 'SqlClient'],
    ]);
  });

  it('matches the prefix case-insensitively after mapping, normalising the prefix too, and removes it once', () => {
    expect(mapped([['test__prefixtest__ConnectionString', 'connection']], 'test__')).toEqual([
      ['prefixtest:ConnectionString', 'connection'],
    ]);
    expect(mapped([['test__test__ConnectionString', 'connection']], 'test__')).toEqual([['test:ConnectionString', 'connection']]);
    expect(mapped([['MYAPP__Port', '80'], ['myapp:Host', 'h'], ['Other__Port', '1']], 'MyApp:')).toEqual([
      ['Port', '80'],
      ['Host', 'h'],
    ]);
  });

  it('maps App Service connection-string prefixes with .NET provider names (LoadKeyValuePairsFromAzureEnvironment)', () => {
    const vars: Vars = [
      ['APPSETTING_AppName', 'TestAppName'],
      ['CUSTOMCONNSTR_db1', 'CustomConnStr'],
      ['SQLCONNSTR_db2', 'SQLConnStr'],
      ['MYSQLCONNSTR_db3', 'MySQLConnStr'],
      ['SQLAZURECONNSTR_db4', 'SQLAzureConnStr'],
      ['postgresqlconnstr_db5', 'PgConnStr'],
      ['CommonEnv', 'CommonEnvValue'],
    ];
    expect(mapped(vars)).toEqual([
      ['APPSETTING_AppName', 'TestAppName'],
      ['ConnectionStrings:db1', 'CustomConnStr'],
      ['ConnectionStrings:db2', 'SQLConnStr'],
      ['ConnectionStrings:db2_ProviderName', 'System.Data.SqlClient'],
      ['ConnectionStrings:db3', 'MySQLConnStr'],
      ['ConnectionStrings:db3_ProviderName', 'MySql.Data.MySqlClient'],
      ['ConnectionStrings:db4', 'SQLAzureConnStr'],
      ['ConnectionStrings:db4_ProviderName', 'System.Data.SqlClient'],
      ['ConnectionStrings:db5', 'PgConnStr'],
      ['ConnectionStrings:db5_ProviderName', 'Npgsql'],
      ['CommonEnv', 'CommonEnvValue'],
    ]);
  });

  it.each(['APIHUB', 'DOCDB', 'EVENTHUB', 'NOTIFICATIONHUB', 'REDISCACHE', 'SERVICEBUS', 'CUSTOM'])(
    'maps %sCONNSTR_ to a connection string without a provider name',
    (kind) => {
      expect(mapped([[`${kind}CONNSTR_Main__Part`, 'cs']])).toEqual([['ConnectionStrings:Main:Part', 'cs']]);
    },
  );

  it('normalises the connection name after the prefix (SQLCONNSTR__db1 → ConnectionStrings:_db1)', () => {
    expect(mapped([['SQLCONNSTR__db1', 'connStr']])).toEqual([
      ['ConnectionStrings:_db1', 'connStr'],
      ['ConnectionStrings:_db1_ProviderName', 'System.Data.SqlClient'],
    ]);
  });

  it('keeps connection strings only when the prefix is ConnectionStrings: (LoadKeyValuePairsFromAzureEnvironmentWithPrefix)', () => {
    const vars: Vars = [
      ['CUSTOMCONNSTR_db1', 'CustomConnStr'],
      ['SQLCONNSTR_db2', 'SQLConnStr'],
      ['CommonEnv', 'CommonEnvValue'],
    ];
    expect(mapped(vars, 'ConnectionStrings:')).toEqual([
      ['db1', 'CustomConnStr'],
      ['db2', 'SQLConnStr'],
      ['db2_ProviderName', 'System.Data.SqlClient'],
    ]);
    expect(mapped(vars, 'test__')).toEqual([]);
  });

  it('lets the later variable win, including a connection string over a plain one (LastVariableAddedWhenKeyIsDuplicated…)', () => {
    expect(lookup([['ConnectionStrings:db2', 'CommonEnvValue'], ['SQLCONNSTR_db2', 'SQLConnStr']], 'ConnectionStrings:db2')).toBe(
      'SQLConnStr',
    );
    const cased: Vars = [
      ['CommonEnv', 'CommonEnvValue1'],
      ['commonenv', 'commonenvValue2'],
      ['cOMMonEnv', 'commonenvValue3'],
    ];
    expect(lookup(cased, 'COMMONENV')).toBe('commonenvValue3');
  });

  it('names the variable as the source, and skips undefined values', () => {
    const entries = mapEnvironmentVariables([['A__B', '1'], ['SQLCONNSTR_x', 'cs'], ['Gone', undefined]]);
    expect(entries.map((e) => [e.key, e.source])).toEqual([
      ['A:B', 'env A__B'],
      ['ConnectionStrings:x', 'env SQLCONNSTR_x'],
      ['ConnectionStrings:x_ProviderName', 'env SQLCONNSTR_x'],
    ]);
    expect(mapEnvironmentVariables([['A', '1']], { sourceOf: (n) => `.env:${n}` })[0]!.source).toBe('.env:A');
  });

  it('maps __proto____polluted to an ordinary key without touching any prototype', () => {
    expect(mapped([['__proto____polluted', '1'], ['constructor__prototype__polluted', '2']])).toEqual([
      [':proto::polluted', '1'],
      ['constructor:prototype:polluted', '2'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
