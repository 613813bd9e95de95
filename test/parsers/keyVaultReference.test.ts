import { describe, expect, it } from 'vitest';
import {
  InvalidKeyVaultReferenceError,
  looksLikeKeyVaultReference,
  parseKeyVaultReference,
} from '../../src/parsers/keyVaultReference.js';

// The two forms and the examples are those of MicrosoftDocs/azure-docs,
// articles/app-service/app-service-key-vault-references.md ("Reference syntax").
describe('parseKeyVaultReference: the documented forms', () => {
  it('SecretUri with a trailing slash (the documented example) is versionless', () => {
    expect(parseKeyVaultReference('@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/secrets/mysecret/)')).toEqual({
      vaultUrl: 'https://myvault.vault.azure.net',
      secretName: 'mysecret',
      secretId: 'https://myvault.vault.azure.net/secrets/mysecret',
      form: 'SecretUri',
    });
  });

  it('SecretUri with a version (the documented example)', () => {
    const ref = parseKeyVaultReference(
      '@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/secrets/mysecret/ec96f02080254f109c51a1f14cdb1931)',
    );
    expect(ref.secretVersion).toBe('ec96f02080254f109c51a1f14cdb1931');
    expect(ref.secretId).toBe('https://myvault.vault.azure.net/secrets/mysecret/ec96f02080254f109c51a1f14cdb1931');
  });

  it('SecretUri without the trailing slash, and with a port (an emulator)', () => {
    expect(parseKeyVaultReference('@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/secrets/mysecret)').secretVersion).toBeUndefined();
    expect(parseKeyVaultReference('@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net:8443/secrets/a-b/)').vaultUrl).toBe(
      'https://kv.vault.azure.net:8443',
    );
  });

  it('VaultName;SecretName (the documented example) maps to the public cloud vault URL', () => {
    expect(parseKeyVaultReference('@Microsoft.KeyVault(VaultName=myvault;SecretName=mysecret)')).toEqual({
      vaultUrl: 'https://myvault.vault.azure.net',
      secretName: 'mysecret',
      secretId: 'https://myvault.vault.azure.net/secrets/mysecret',
      form: 'VaultName',
    });
  });

  it('VaultName with SecretVersion; an empty SecretVersion means the latest', () => {
    expect(parseKeyVaultReference('@Microsoft.KeyVault(VaultName=myvault;SecretName=mysecret;SecretVersion=abc123)').secretId).toBe(
      'https://myvault.vault.azure.net/secrets/mysecret/abc123',
    );
    expect(parseKeyVaultReference('@Microsoft.KeyVault(VaultName=myvault;SecretName=mysecret;SecretVersion=)').secretVersion).toBeUndefined();
  });

  it('vaultUrlFromName picks the cloud (sovereign clouds, emulators)', () => {
    const ref = parseKeyVaultReference('@Microsoft.KeyVault(VaultName=myvault;SecretName=s)', {}, {
      vaultUrlFromName: (n) => `https://${n}.vault.azure.cn`,
    });
    expect(ref.vaultUrl).toBe('https://myvault.vault.azure.cn');
  });
});

describe('parseKeyVaultReference: leniency that cannot change the meaning', () => {
  it('prefix and parameter names are case-insensitive; spaces around the value, = and ; are ignored; an empty part is ignored', () => {
    const ref = parseKeyVaultReference('  @microsoft.keyvault( vaultname = myvault ; SECRETNAME= mysecret ;; )  ');
    expect(ref).toMatchObject({ vaultUrl: 'https://myvault.vault.azure.net', secretName: 'mysecret' });
    expect(parseKeyVaultReference('@MICROSOFT.KEYVAULT(secreturi=https://v1.vault.azure.net/SECRETS/x/)').secretName).toBe('x');
  });
});

describe('parseKeyVaultReference: malformed references are typed errors naming key and layer', () => {
  const where = { key: 'Db:Password', provider: 'JsonConfigurationProvider', source: 'appsettings.json' };
  const cases: Array<[string, RegExp]> = [
    ['@Microsoft.KeyVault(VaultName=myvault)', /SecretName is missing/],
    ['@Microsoft.KeyVault(SecretName=mysecret)', /VaultName is missing/],
    ['@Microsoft.KeyVault(VaultName=myvault;SecretName=)', /SecretName is missing or empty/],
    ['@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/a', /must end with '\)'/],
    ['@Microsoft.KeyVault(SecretUri=)', /SecretUri is empty/],
    ['@Microsoft.KeyVault(SecretUri=http://v.vault.azure.net/secrets/a)', /https/],
    ['@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/keys/a)', /secrets\/<name>/],
    ['@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/a/b/c)', /secrets\/<name>/],
    ['@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/a_b)', /secret name/],
    ['@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/a?sig=x)', /query/],
    ['@Microsoft.KeyVault(SecretUri=not a url)', /absolute URL/],
    ['@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/a;VaultName=v)', /cannot be combined/],
    ['@Microsoft.KeyVault(VaultName=v;SecretName=a;VaultName=w)', /given twice/],
    ['@Microsoft.KeyVault(Vault=v;SecretName=a)', /unknown parameter 'Vault'/],
    ['@Microsoft.KeyVault(VaultName=my_vault;SecretName=a)', /not a vault name/],
    ['@Microsoft.KeyVault(VaultName=ab;SecretName=a)', /not a vault name/],
    ['@Microsoft.KeyVault(VaultName=my--vault;SecretName=a)', /not a vault name/],
    ['@Microsoft.KeyVault(VaultName=myvault;SecretName=a;SecretVersion=1.0)', /SecretVersion/],
    ['@Microsoft.KeyVault(https://v.vault.azure.net/secrets/a)', /not a Name=value pair/],
    ['@Microsoft.KeyVault()', /needs SecretUri, or VaultName and SecretName/],
    ['@Microsoft.KeyVault(', /must end with '\)'/],
    ['@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/a%zz)', /malformed %-escape/],
  ];
  it.each(cases)('%s', (value, why) => {
    let error: unknown;
    try {
      parseKeyVaultReference(value, where);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidKeyVaultReferenceError);
    expect(error).toMatchObject({ code: 'KEY_VAULT_REFERENCE_INVALID', key: 'Db:Password', provider: 'JsonConfigurationProvider' });
    expect((error as Error).message).toMatch(/^Invalid Key Vault reference in 'Db:Password' from JsonConfigurationProvider \(appsettings\.json\): /);
    expect((error as Error).message).toMatch(why);
  });

  it('never quotes a query string that might carry a credential', () => {
    expect(() => parseKeyVaultReference('@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/a?sig=supersecretsig)')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('supersecretsig') }),
    );
  });
});

describe('looksLikeKeyVaultReference', () => {
  it('is true only for values that start as a reference', () => {
    expect(looksLikeKeyVaultReference('@Microsoft.KeyVault(VaultName=v;SecretName=s)')).toBe(true);
    expect(looksLikeKeyVaultReference(' @microsoft.keyvault(broken')).toBe(true);
    expect(looksLikeKeyVaultReference('see @Microsoft.KeyVault(VaultName=v;SecretName=s)')).toBe(false);
    expect(looksLikeKeyVaultReference('@Microsoft.KeyVaultX(VaultName=v)')).toBe(false);
    expect(looksLikeKeyVaultReference(null)).toBe(false);
    expect(looksLikeKeyVaultReference('')).toBe(false);
  });
});
