/**
 * The one table of deliberate differences from .NET. The differential suite reads it to tell a
 * known difference from a new one (`explains`, `normalize`), `deliberate.test.ts` asserts .NET's
 * answer and ours for each entry found or decided by the suite (the `readme-*` rows are older
 * decisions, tested in their modules' own tests), and the README's "Where we deliberately differ
 * from .NET" section and docs/differential.md are generated from it (`npx tsx test/dotnet/table.ts --write`).
 */

import { isDeepStrictEqual } from 'node:util';

export type Area = 'config' | 'binder' | 'signalr' | 'signalrEndpoints' | 'redis' | 'reload';

export interface DeliberateDifference {
  id: string;
  area: Area;
  /** What differs, in a few words. */
  title: string;
  dotnet: string;
  ours: string;
  reason: string;
  /** For generated cases: true when this entry accounts for the difference between the answers. */
  explains?: (testCase: unknown, theirs: unknown, ours: unknown) => boolean;
  /**
   * For generated cases where several entries can apply at once: turns .NET's answer into what
   * this difference makes ours (returning it unchanged when the entry does not apply).
   */
  normalize?: (testCase: unknown, theirs: unknown, ours: unknown) => unknown;
}

type Entry = [string, string | null];

/** Applies `edit` to a copy of .NET's bound value when both sides bound one. */
function withValue(theirs: unknown, ours: unknown, edit: (t: Record<string, unknown>, o: Record<string, unknown>) => void): unknown {
  const t = theirs as { value?: Record<string, unknown> };
  const o = ours as { value?: Record<string, unknown> };
  if (!t.value || !o.value) return theirs;
  const copy = { ...t, value: structuredClone(t.value) };
  edit(copy.value, o.value);
  return copy;
}

interface ConfigAnswer {
  error?: string;
  entries?: Entry[];
  children?: Array<[string, string[]]>;
  lookups?: Array<{ key: string; value: string | null | undefined; exists: boolean }>;
}

const fold = (s: string) => s.toUpperCase().toLowerCase();
const foldEntries = (e: Entry[] | undefined) => (e ?? []).map(([k, v]) => [fold(k), v] as Entry);
const sortEntries = (e: Entry[]) => [...e].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

/**
 * Equal once `entries()` order is ignored and children that sort equal may come in either order;
 * with `fold`, also once keys are compared case-insensitively.
 */
function sameUpToOrder(theirs: ConfigAnswer, ours: ConfigAnswer, folded: boolean): boolean {
  if (theirs.error !== ours.error) return false;
  const keys = (e: Entry[] | undefined) => JSON.stringify(sortEntries(folded ? foldEntries(e) : (e ?? [])));
  if (keys(theirs.entries) !== keys(ours.entries)) return false;
  const f = folded ? fold : (k: string) => k;
  // Children are compared by their sort class (integer value, else folded text) in order, and as a set.
  const cls = (k: string) => (/^\s*[+-]?\d+\s*$/.test(k) && Math.abs(Number(k)) <= 2147483647 ? `#${Number(k)}` : fold(k));
  const kids = (c: ConfigAnswer) => JSON.stringify((c.children ?? []).map(([k, v]) => [k, v.map(cls), [...v].map(f).sort()]));
  return kids(theirs) === kids(ours) && JSON.stringify(theirs.lookups) === JSON.stringify(ours.lookups);
}

/**
 * Every key segment our answer shows is spelled somewhere in the case: a spelling that differs
 * from .NET's is then one the user wrote (a case variant), not one we made up.
 */
function spellingsFromCase(c: unknown, ours: ConfigAnswer): boolean {
  // The case as text, with JSON escapes inside its JSON layers (`\\ud83d\\ude00`) decoded.
  const text = JSON.stringify(c).replace(/\\\\u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  // `ConnectionStrings` and `<name>_ProviderName` are the environment provider's own spellings,
  // and array indexes have no case.
  const segments = new Set(
    (ours.entries ?? [])
      .flatMap(([k]) => k.split(':'))
      .concat((ours.children ?? []).flatMap(([, v]) => v))
      .filter((seg) => seg !== 'ConnectionStrings' && !/^\d+$/.test(seg))
      .map((seg) => seg.replace(/_ProviderName$/, '')),
  );
  return [...segments].every((seg) => text.includes(JSON.stringify(seg).slice(1, -1)));
}

export const DELIBERATE: readonly DeliberateDifference[] = [
  {
    id: 'config-enumeration',
    area: 'config',
    title: 'Order of `entries()`, and of children that sort equal (`1`, `01`)',
    dotnet:
      '`AsEnumerable()` pops a stack, so siblings come out last-first; children that compare equal follow the later provider first, then an unstable sort',
    ours: '`entries()` walks depth first in `getChildren()` order; equal children keep the order first loaded',
    reason:
      'the same keys and values either way; ours is stable and reads in the order `getChildren()` documents (values, lookups and the order of children are compared exactly)',
    explains: (_c, theirs, ours) => sameUpToOrder(theirs as ConfigAnswer, ours as ConfigAnswer, false),
  },
  {
    id: 'config-case-spelling',
    area: 'config',
    title: 'The spelling shown for a key written in several cases',
    dotnet: 'of `a:b` and `A:B` in different layers, the spelling shown depends on provider order and an unstable sort',
    ours: 'the spelling of the first layer that has the key',
    reason: 'keys compare ignoring case, so both spellings are the same key; ours is predictable',
    explains: (c, theirs, ours) => sameUpToOrder(theirs as ConfigAnswer, ours as ConfigAnswer, true) && spellingsFromCase(c, ours as ConfigAnswer),
  },
  {
    id: 'config-capital-sharp-s',
    area: 'config',
    title: 'Keys with `ẞ` (U+1E9E) and `ß` are one key',
    dotnet: 'OrdinalIgnoreCase keeps `ẞ` and `ß` apart (`ß` has no one-letter upper case)',
    ours: 'keys are folded with `toLowerCase()`, which maps `ẞ` to `ß`',
    reason: 'one lower-casing per lookup keeps `get()` one map lookup; the two letters are the same letter to every reader',
    explains: (c) => /\u1e9e|\\u1e9e/i.test(JSON.stringify(c)),
  },
  {
    id: 'key-per-file-relative-path',
    area: 'config',
    title: 'A relative key-per-file directory is resolved',
    dotnet: '`AddKeyPerFile("secrets")` throws `The path must be absolute.` once the directory exists or is required',
    ours: 'a relative directory is resolved against `baseDir` (default: the current directory; `loadConfig`: its `cwd`)',
    reason: 'the other file providers take relative paths too; `loadConfig({ keyPerFile: "secrets" })` should work from the app folder',
  },
  {
    id: 'reload-last-good',
    area: 'reload',
    title: 'A watched file that becomes invalid keeps its last good data',
    dotnet:
      'with `reloadOnChange`, a JSON file that becomes invalid is reloaded as empty (`Data` cleared) and the error reported (`IConfigurationRoot.Reload()` keeps the data and throws, as ours does)',
    ours: 'the tree keeps the last good data and the error goes to `onError`',
    reason: 'a half-saved file must not blank a running service’s configuration',
  },
  {
    id: 'bind-array-replaces',
    area: 'binder',
    title: '`bind` replaces an array default instead of appending to it',
    dotnet: '`Bind` onto a list that has elements appends the configured children after them',
    ours: 'the configured children replace the default elements',
    reason: 'defaults objects hold example values; appending to them surprises users',
    normalize: (_c, theirs, ours) =>
      withValue(theirs, ours, (t, o) => {
        // The generated defaults hold one element, which .NET keeps in front of the configured ones.
        for (const list of ['Numbers', 'Items']) {
          if (Array.isArray(t[list]) && !isDeepStrictEqual(t[list], o[list]) && (t[list] as unknown[]).length > 0) t[list] = (t[list] as unknown[]).slice(1);
        }
      }),
  },
  {
    id: 'bind-error-no-value',
    area: 'binder',
    title: 'Binding errors do not quote the value',
    dotnet: ".NET 10: `Failed to convert configuration value 'x' at 'S:Flag' to type 'System.Boolean'.`",
    ours: "`Failed to convert configuration value at 'S:Flag' to type 'boolean' (value from <provider>).`",
    reason: 'the value may be a secret; the key and the provider are enough to find it',
  },
  {
    id: 'bind-equal-index-order',
    area: 'binder',
    title: 'Array elements whose keys sort equal (`1`, `01`) bind in `getChildren()` order',
    dotnet: 'array elements whose keys sort equal (`1`, `01`) bind in an order that follows the enumeration artefacts of the first row',
    ours: 'they bind in the order `getChildren()` gives',
    reason: 'the same elements either way; see the first row',
    normalize: (c, theirs, ours) =>
      withValue(theirs, ours, (t, o) => {
        const pairs = (c as { pairs: Array<[string, string | null]> }).pairs;
        for (const list of ['Numbers', 'Items', 'Names']) {
          const indexes = pairs
            .map(([k]) => new RegExp(`^S:${list}:([^:]+)`, 'i').exec(k)?.[1])
            .filter((i): i is string => i !== undefined && /^\s*[+-]?\d+\s*$/.test(i))
            .map((i) => Number(i));
          if (new Set(indexes).size === indexes.length) continue;
          const bag = (v: unknown) => JSON.stringify((v as unknown[]).map((x) => JSON.stringify(x)).sort());
          if (Array.isArray(t[list]) && Array.isArray(o[list]) && bag(t[list]) !== bag(o[list])) {
            // .NET also keeps the default element in front (bind-array-replaces): compare without it.
            const rest = (t[list] as unknown[]).slice(1);
            if (bag(rest) === bag(o[list])) t[list] = [(t[list] as unknown[])[0], ...(o[list] as unknown[])];
          } else if (Array.isArray(t[list])) t[list] = o[list];
        }
      }),
  },
  {
    id: 'bind-number-named',
    area: 'binder',
    title: '`NaN`, `Infinity` and `∞` do not bind to a number',
    dotnet: '`double` accepts the invariant culture’s `NaN`, `Infinity`, `-Infinity` and `∞` symbols',
    ours: 'a conversion error (`BindingError`) naming the key',
    reason: 'in configuration these are almost always a mistake, and JSON has no such numbers',
    normalize: (c, theirs, ours) => {
      const named = (v: unknown) => typeof v === 'string' && /^-?(NaN|Infinity|∞)$/.test(v);
      const pairs = (c as { pairs: Array<[string, string | null]> }).pairs;
      const namedText = (v: string | null) => v !== null && /^\s*[+-]?\s*(NaN|Infinity|∞)\s*$/i.test(v);
      const o = ours as { error?: string };
      const t = theirs as { value?: Record<string, unknown> };
      // Ours refused a named number where .NET bound it: the error names that key.
      // (.NET may then fail on a later key instead, so its answer can be an error too.)
      if (o.error && pairs.some(([k, v]) => namedText(v) && (o.error === `convert:${k.toLowerCase()}` || o.error === 'strict-element'))) return { error: o.error };
      // In a list, ours drops the element (or the object holding it) that .NET keeps.
      return withValue(theirs, ours, (tv) => {
        if (Array.isArray(tv.Numbers)) tv.Numbers = tv.Numbers.filter((n) => !named(n));
        if (Array.isArray(tv.Items)) tv.Items = tv.Items.filter((i) => !named((i as { Value?: unknown }).Value));
      });
    },
  },
  {
    id: 'bind-null-values',
    area: 'binder',
    title: 'A key set to null keeps the default; a null array element is skipped; a null dictionary entry gets the element default',
    dotnet: '.NET 10 binds a null-valued property, element or entry as the type’s default: `null` for a string, `0`, a new object (the reference notes of older releases say array elements are skipped and properties keep their value)',
    ours: 'a property keeps its default, an array skips the element, a dictionary entry gets the `dictionaryOf` element default',
    reason: 'element types come from an example value; a `null` inside a `string[]` or a string dictionary would break the TypeScript type',
    normalize: (c, theirs, ours) =>
      withValue(theirs, ours, (t, o) => {
        const pairs = (c as { pairs: Array<[string, string | null]> }).pairs;
        if (Array.isArray(t.Names) && pairs.some(([k, v]) => v === null && /^S:names:[^:]+$/i.test(k))) t.Names = t.Names.filter((n) => n !== null);
        if (t.Str === null && pairs.some(([k, v]) => v === null && /^S:str$/i.test(k))) t.Str = o.Str;
        if (Array.isArray(t.Labels) && Array.isArray(o.Labels)) {
          t.Labels = (t.Labels as Array<[string, string | null]>).map(([k, v]) => [k, v === null ? '' : v]);
        }
      }),
  },
  {
    id: 'bind-empty-date-url',
    area: 'binder',
    title: 'An empty value does not bind to a `Date` or a `URL`',
    dotnet: '`""` becomes `DateTime.MinValue` (`0001-01-01`) for a `DateTime` and `null` for a `Uri`',
    ours: 'a conversion error naming the key',
    reason: 'year 1 and a missing URL are never the intended setting; an empty value there is a mistake worth reporting',
    normalize: (c, theirs, ours) => {
      const t = theirs as { value?: Record<string, unknown> };
      const o = ours as { error?: string };
      const pairs = (c as { pairs: Array<[string, string | null]> }).pairs;
      const emptyAt = (name: string) => pairs.some(([k, v]) => k.toLowerCase() === `s:${name}` && v !== null && v.trim() === '');
      // When .NET went on, it may have failed on a later key instead: its answer can be an error too.
      if (o.error === 'convert:s:when' && emptyAt('when') && (!t.value || String(t.value.When).startsWith('0001-01-01'))) return { error: o.error };
      if (o.error === 'convert:s:link' && emptyAt('link') && (!t.value || t.value.Link === null)) return { error: o.error };
      return theirs;
    },
  },
  {
    id: 'bind-bigint-unbounded',
    area: 'binder',
    title: 'A `bigint` default takes any integer',
    dotnet: '`long` stops at 64 bits: `9223372036854775808` is a conversion error',
    ours: 'a `bigint` has no bounds, so any integer binds',
    reason: 'a JavaScript `bigint` is not a `long`; bounding it would invent a limit the type does not have',
    normalize: (c, theirs, ours) => {
      const t = theirs as { error?: string };
      const pairs = (c as { pairs: Array<[string, string | null]> }).pairs;
      const big = pairs.find(([k]) => k.toLowerCase() === 's:big')?.[1];
      const outOfRange = big != null && /^\s*[+-]?\d+\s*$/.test(big) && (BigInt(big.trim()) > 9223372036854775807n || BigInt(big.trim()) < -9223372036854775808n);
      // .NET stops at that key; ours goes on, so its answer is the value or a later key's error.
      return t.error === 'convert:s:big' && outOfRange ? ours : theirs;
    },
  },
  {
    id: 'bind-url-absolute',
    area: 'binder',
    title: 'A `URL` default binds absolute URLs only',
    dotnet: '`Uri` accepts a relative reference (`UriKind.RelativeOrAbsolute`)',
    ours: 'a conversion error: a `URL` is always absolute',
    reason: 'WHATWG `URL` has no relative form; a relative endpoint in configuration is a mistake',
    normalize: (c, theirs, ours) => {
      const t = theirs as { value?: Record<string, unknown> };
      const o = ours as { error?: string };
      const relative = (c as { pairs: Array<[string, string | null]> }).pairs.some(([k, v]) => k.toLowerCase() === 's:link' && v !== null && v.trim() !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(v.trim()));
      if (o.error === 'convert:s:link' && relative && (!t.value || String(t.value.Link).startsWith('relative:'))) return { error: o.error };
      return theirs;
    },
  },
  {
    id: 'bind-enum-as-string',
    area: 'binder',
    title: 'An enum property is a string default: the text binds as written',
    dotnet: "an enum (`AccessMode Mode`) takes a member name in any case (`readwrite` → `ReadWrite`), any integer (`1` → `ReadOnly`, `7` → `7`) or `Off, ReadOnly`; `\"\"` and other names are a conversion error",
    ours: "a defaults object has no enum type: the default `'Off'` is a string, so any text binds as written (`readwrite`, `1`, `Read-Only`)",
    reason: 'TypeScript types are erased, so a default value cannot carry a list of members; a convict schema (`format: [...]`) or a Standard Schema enum checks the member instead',
    normalize: (c, theirs, ours) => {
      const text = (c as { pairs: Array<[string, string | null]> }).pairs.find(([k]) => k.toLowerCase() === 's:mode')?.[1];
      if (text == null) return theirs;
      const t = theirs as { error?: string };
      const o = ours as { value?: Record<string, unknown> };
      // .NET stops at that key; ours goes on, so its answer is the value or a later key's error.
      if (t.error === 'convert:s:mode') return ours;
      return withValue(theirs, ours, (tv, ov) => {
        if (ov.Mode === text && o.value) tv.Mode = ov.Mode;
      });
    },
  },
  {
    id: 'bind-int-is-number',
    area: 'binder',
    title: 'An `int` property is a number default: fractions, exponents and values past 32 bits bind; hex does not',
    dotnet: "`int` reads an optional sign and digits within ±2³¹, or hex after `0x`/`&h`/`#` (`0x10` → 16): `1.5`, `1e3` and `2147483648` are conversion errors",
    ours: 'a number default reads any decimal number (`1.5`, `1000` from `1e3`, `2147483648`) and refuses hex (`0x10`), as for every number default',
    reason: 'JavaScript has one number type; check integers and ranges with a schema (`format: \'int\'`, `format: \'port\'`, `z.number().int()`)',
    normalize: (c, theirs, ours) => {
      const text = (c as { pairs: Array<[string, string | null]> }).pairs.find(([k]) => k.toLowerCase() === 's:count')?.[1];
      const t = theirs as { error?: string };
      const o = ours as { value?: Record<string, unknown> };
      const decimal = text != null && /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text.trim());
      if (t.error === 'convert:s:count' && decimal && (!o.value || o.value.Count === Number(text.trim()))) return ours;
      // Hex .NET read; ours refuses it, and stops there.
      const hex = text != null && /^\s*(?:0x|&h|#)[0-9a-f]+\s*$/i.test(text);
      if (hex && (ours as { error?: string }).error === 'convert:s:count') return ours;
      return theirs;
    },
  },
  {
    id: 'bind-nullable-value-type',
    area: 'binder',
    title: '`int?` and `bool?` properties are `null` defaults: the text binds as a string',
    dotnet: '`int? Retries` / `bool? Enabled` convert the text (`5` → 5, `TRUE` → true), read `""` as null, and fail on anything else (`x`, `1.5`, `yes`)',
    ours: 'a `null` default is a nullable string (`string | null`): the text binds as written, `""` included',
    reason: 'a `null` default carries no type to convert to; a nullable number or boolean is declared with a schema (`z.number().int().nullable()`, convict `nullable: true`)',
    normalize: (c, theirs, ours) => {
      const pairs = (c as { pairs: Array<[string, string | null]> }).pairs;
      const t = theirs as { error?: string };
      const o = ours as { value?: Record<string, unknown> };
      const texts = Object.fromEntries(['Retries', 'Enabled'].map((f) => [f, pairs.find(([k]) => k.toLowerCase() === `s:${f.toLowerCase()}`)?.[1]]));
      const stopped = ['Retries', 'Enabled'].some((f) => texts[f] != null && t.error === `convert:s:${f.toLowerCase()}`);
      if (stopped && (!o.value || ['Retries', 'Enabled'].every((f) => texts[f] == null || o.value![f] === texts[f]))) return ours;
      return withValue(theirs, ours, (tv, ov) => {
        for (const f of ['Retries', 'Enabled']) if (texts[f] != null && ov[f] === texts[f]) tv[f] = ov[f];
      });
    },
  },
  {
    id: 'signalr-version-not-echoed',
    area: 'signalr',
    title: 'An invalid `Version` that does not look like a version is not echoed in SignalR errors',
    dotnet: '`Version {value} is not supported.` quotes any value',
    ours: 'quotes it only when it looks like a version (letters, digits, `.+-_`, at most 24), else `<value not shown>`',
    reason: 'a mistyped connection string can shift a secret into any field; errors never quote values',
  },
  {
    id: 'signalr-userinfo-dropped',
    area: 'signalr',
    title: 'User info in a SignalR endpoint URL is dropped',
    dotnet: '`ClientEndpoint=https://user@host` keeps `user@` in `ClientEndpoint`/`ServerEndpoint`',
    ours: 'the URL is kept without its user info',
    reason: 'user info in a URL is a credential slot; it is never sent to the service nor shown in logs',
    explains: (_c, theirs, ours) =>
      JSON.stringify(theirs).includes('@') && JSON.stringify(theirs).replace(/\/\/[^/@"]*@/g, '//') === JSON.stringify(ours),
  },
  {
    id: 'signalr-duplicate-resource-name',
    area: 'signalrEndpoints',
    title: 'Which name is kept when two endpoint keys name the same resource',
    dotnet: 'the server SDK walks the keys with `AsEnumerable()` (last-first) and keeps the first primary it meets per resource',
    ours: '`distinctEndpoints` keeps the first primary per resource in `getChildren()` order',
    reason: 'the same resources, types and count either way; the SDK’s choice follows an enumeration artefact (see the first row)',
    explains: (_c, theirs, ours) => {
      type A = { error?: string; endpoints?: Array<{ name: string; type: string; endpoint: string }> };
      const shape = (a: A) => JSON.stringify({ error: a.error, e: (a.endpoints ?? []).map((e) => `${e.type}|${e.endpoint}`).sort() });
      return shape(theirs as A) === shape(ours as A);
    },
  },
  {
    id: 'signalr-unknown-key-not-echoed',
    area: 'signalr',
    title: 'A duplicated unknown key is not echoed in SignalR errors',
    dotnet: '`Duplicate properties found in connection string: {key}.` quotes any key',
    ours: 'quotes known property names; an unknown one is shown as a fingerprint',
    reason: 'an unknown "key" is often a value that lost its `=` or `;`, which may be a secret',
    explains: (_c, theirs, ours) => {
      const t = (theirs as { error?: string }).error ?? '';
      const o = (ours as { error?: string }).error ?? '';
      const prefix = 'Duplicate properties found in connection string: ';
      return t.startsWith(prefix) && o.startsWith(`${prefix}<unrecognised property <redacted sha256:`);
    },
  },
  {
    id: 'signalr-clientcertpath',
    area: 'signalr',
    title: '`ClientCertPath` is read as `ClientCert`',
    dotnet: 'the SDK ignores `ClientCertPath` (an unknown key)',
    ours: '`ClientCertPath`, the name the Azure documentation uses, is the certificate path; with `ClientCert` as well it is an error',
    reason: 'a connection string copied from the documentation should work, and two certificate paths are ambiguous',
    explains: (c) => /(^|;)\s*clientcertpath\s*=/i.test((c as { text: string }).text),
  },
  {
    id: 'signalr-empty-credential-values',
    area: 'signalr',
    title: 'An empty `ClientId`, `TenantId`, `ClientSecret` or `ClientCert` is missing',
    dotnet: 'a key written with an empty value counts as present: `ClientSecretCredential` is built with `""` and fails only when a token is requested (or the error names the next property)',
    ours: 'an empty value is a missing one: `azure.app`/`aad` with an empty id or secret is a `SignalRConnectionStringError` at start-up',
    reason: 'a credential that cannot work should fail where the key is named, not at the first message sent',
    explains: (c, theirs, ours) =>
      /^Connection string missing required properties (clientId|tenantId|clientSecret or clientCert)\.$/.test((ours as { error?: string }).error ?? '') &&
      // .NET accepts the empty value, misses the next property along its own path, or (an empty
      // TenantId with a certificate) has the credential's constructor refuse the tenant id.
      ((theirs as { error?: string }).error === undefined ||
        (theirs as { error: string }).error.startsWith('Connection string missing required properties') ||
        (theirs as { error: string }).error.startsWith('Invalid tenant id provided')) &&
      /(^|;)\s*(clientid|tenantid|clientsecret|clientcert)\s*=\s*(;|$)/i.test((c as { text: string }).text),
  },
  {
    id: 'config-error-precedence',
    area: 'config',
    title: 'Which error is thrown when several layers are broken at once',
    dotnet: 'add-time errors first (`AddKeyPerFile`’s missing directory), then provider constructors during `Build()` (switch mappings), then loads in order',
    ours: 'errors at `addX` (key-per-file directory, switch mappings, in-memory duplicates) in order, then loads in order',
    reason: 'the configuration is invalid either way and each error names its layer; mirroring .NET’s construction phases would buy nothing',
    explains: (c, theirs, ours) =>
      typeof (theirs as { error?: string }).error === 'string' &&
      typeof (ours as { error?: string }).error === 'string' &&
      ((c as { layers: unknown[] }).layers?.length ?? 0) > 1,
  },
  {
    id: 'redis-keyword-not-echoed',
    area: 'redis',
    title: 'An unknown keyword that may hold a credential is not echoed',
    dotnet: "`Keyword '{keyword}' is not supported.` quotes anything before the `=`, a mistyped `rediss://:password@host` URL included",
    ours: 'quotes it only when it looks like a keyword (letters, digits, `_.-`, at most 40); otherwise says so without it',
    reason: 'the password of a mistyped URL must not reach logs',
    normalize: (_c, theirs, ours) => {
      const t = (theirs as { error?: string }).error;
      const o = (ours as { error?: string }).error;
      return t && /^Keyword '.*' is not supported\.$/s.test(t) && o?.startsWith('A keyword is not supported (not shown') ? ours : theirs;
    },
  },
  {
    id: 'redis-error-wording',
    area: 'redis',
    title: 'StackExchange.Redis errors that come from framework argument checks are worded for configuration',
    dotnet:
      '`is empty`, `port (\'-1\') must be greater than or equal to \'0\'`, `Specified argument was out of the range of valid values.`, `major (\'-1\') must be a non-negative value.`',
    ours: '`The Redis configuration string is empty.`, `Endpoint port \'-1\' is out of range; …`, `Keyword \'version\' requires a version value; …`',
    reason: 'the same inputs fail on both sides; ours say which endpoint or keyword is wrong',
    normalize: (_c, theirs, ours) => {
      const t = (theirs as { error?: string }).error;
      const o = (ours as { error?: string }).error;
      if (t === undefined || o === undefined) return theirs;
      const framework =
        (/^is empty/.test(t) && o === 'The Redis configuration string is empty.') ||
        ((/^port \(/.test(t) || t.startsWith('Specified argument was out of the range')) && /^Endpoint port '-?\d+' is out of range/.test(o)) ||
        (/^major \(/.test(t) && /^Keyword 'version' requires a version value/i.test(o));
      return framework ? ours : theirs;
    },
  },
  {
    id: 'redis-no-endpoint',
    area: 'redis',
    title: 'A StackExchange string with no endpoint (`ssl=true` alone)',
    dotnet: '`ConfigurationOptions.Parse` accepts it; the failure comes later, at `Connect`',
    ours:
      '`parseStackExchangeConfiguration` accepts it as .NET does; `parseRedisConnectionString`/`getRedisSettings` reject it with a `RedisConnectionStringError`',
    reason: 'settings without a host cannot connect; saying so at start-up names the key that is wrong',
  },
  {
    id: 'redis-tostring-unknown-command',
    area: 'redis',
    title: '`formatStackExchangeConfiguration` writes back `$NAME=` entries for command names StackExchange.Redis does not know',
    dotnet: '`ConfigurationOptions.Parse` drops `$NAME=` for a name that is not a `RedisCommand`, so `ToString()` never writes it',
    ours: 'the entry is kept in `commandMap` (readme-10) and written back, upper case, after the known ones in name order',
    reason: 'without copying the library\'s command list we cannot tell a new command from a typo; writing it back loses nothing',
    normalize: (_c, theirs, ours) => {
      const t = theirs as { asString?: string; asStringWithPassword?: string };
      const o = ours as { asString?: string; asStringWithPassword?: string };
      if (t.asString === undefined || o.asString === undefined) return theirs;
      const theirNames = new Set([...t.asString.matchAll(/(?:^|,)\$([^=,]+)=/g)].map((m) => m[1]));
      // Ours without the `$NAME=` parts .NET did not write: then both must be equal.
      const strip = (s: string) => s.split(',').filter((p) => !/^\$[A-Za-z0-9_]+=/.test(p) || theirNames.has(p.slice(1, p.indexOf('=')))).join(',');
      if (strip(o.asString) !== t.asString || strip(o.asStringWithPassword ?? '') !== (t.asStringWithPassword ?? '')) return theirs;
      return { ...t, asString: o.asString, asStringWithPassword: o.asStringWithPassword };
    },
  },
  {
    id: 'redis-tostring-command-order',
    area: 'redis',
    title: '`formatStackExchangeConfiguration` writes command-map changes in name order',
    dotnet: '`ToString()` writes `$NAME=` changes in the order of its `RedisCommand` list (`$SUNION=B,$SSCAN=A`)',
    ours: 'in name order (`$SSCAN=A,$SUNION=B`)',
    reason: 'the same changes either way, and StackExchange.Redis reads them in any order; matching would mean copying its command list',
  },
  {
    id: 'redis-endpoint-not-a-host',
    area: 'redis',
    title: 'An endpoint with a space, `/` or `@` in its host',
    dotnet: '`ConfigurationOptions.Parse` keeps any text as a DNS endpoint (`host name:1`, `a@b:1`, `user:pw@host:6379`), and `ToString()` writes it back',
    ours: 'an endpoint whose host holds whitespace, `/`, `@`, `?`, `#` or `\\` is dropped, as both sides drop one with a non-integer port',
    reason: 'no host name holds these characters, and one with `@` is most likely a mistyped URL whose password `ToString()` would put in logs',
  },
  // Earlier decisions, listed in the README before this table existed; asserted on our side by the
  // tests of their modules (not yet against the oracle).
  {
    id: 'readme-1',
    area: 'config',
    title: '`reload()` reloads each provider independently',
    dotnet: '`reload()` reloads each provider independently',
    ours: 'all or nothing: if one provider fails, every provider keeps its last good data',
    reason: 'the tree is never half-updated',
  },
  {
    id: 'readme-2',
    area: 'config',
    title: 'A required file deleted while watched reloads as empty',
    dotnet: 'A required file deleted while watched reloads as empty',
    ours: 'an error on reload (the last good data stays)',
    reason: 'a required file that vanishes is a fault, not an empty configuration',
  },
  {
    id: 'readme-3',
    area: 'config',
    title: 'Parse errors quote the offending JSON text; the unmapped sho',
    dotnet: 'Parse errors quote the offending JSON text; the unmapped short-switch error quotes the whole argument',
    ours: 'line and column only; `-p=…`',
    reason: 'the text may be a secret (a user-secrets file, a password argument)',
  },
  {
    id: 'readme-4',
    area: 'config',
    title: '`.env` files do not exist in .NET',
    dotnet: '`.env` files do not exist in .NET',
    ours: 'a `.env` name means what the same environment variable means, connection-string prefixes included',
    reason: 'one rule for a variable wherever it is written',
  },
  {
    id: 'readme-5',
    area: 'config',
    title: 'User-secrets ids are checked for the current OS\'s invalid fi',
    dotnet: 'User-secrets ids are checked for the current OS\'s invalid file-name characters',
    ours: 'the Windows set on every OS, and `.`/`..` rejected; a control character is shown in the error as `\\uXXXX`',
    reason: 'an id must never leave the store directory, and must work on every machine the team uses; error text goes to logs and terminals',
  },
  {
    id: 'readme-13',
    area: 'config',
    title: 'With no user-secrets location, DOTNET_USER_SECRETS_FALLBACK_DIR',
    dotnet: '`PathHelper` chains `APPDATA ?? HOME ?? GetFolderPath(ApplicationData) ?? … ?? DOTNET_USER_SECRETS_FALLBACK_DIR`, and `GetFolderPath` returns `""`, never null, so the fallback variable its error message asks for is never read',
    ours: 'with no location from `APPDATA`, `HOME` or the application-data folder, `DOTNET_USER_SECRETS_FALLBACK_DIR` is the store root',
    reason: 'the escape hatch the error names should work; wherever .NET finds a location, ours is the same',
  },
  {
    id: 'readme-6',
    area: 'config',
    title: '`GetDebugView` prints `Key=value (Provider)`',
    dotnet: '`GetDebugView` prints `Key=value (Provider)`',
    ours:
      'the value\'s source follows in brackets (`[argv[2]]`, `[env A__B]`, the file); `debugView({ sources: false })` prints .NET\'s text, except that a file provider is named with the path it was given, where .NET names a file added by an absolute path by its file name alone (`JsonConfigurationProvider for \'appsettings.json\' (Optional)`)',
    reason: 'the debug view is for finding where a value came from; `loadConfig()` adds its files by absolute path, and the directory tells which copy was read',
  },
  {
    id: 'readme-7',
    area: 'config',
    title: 'A missing key reads as `null`',
    dotnet: 'A missing key reads as `null`',
    ours: '`get()` returns `undefined` for a key no provider has, `null` for one a provider set to null',
    reason: 'tells "not configured" from "configured empty" (`{}` in JSON)',
  },
  {
    id: 'readme-8',
    area: 'config',
    title: 'A command-line switch with no value at the end is ignored (r',
    dotnet: 'A command-line switch with no value at the end is ignored (released .NET; an unmerged change gives `"true"`)',
    ours: 'ignored',
    reason: 'we follow the released behaviour',
  },
  {
    id: 'readme-9',
    area: 'config',
    title: 'StackExchange.Redis connects to Unix domain socket endpoints',
    dotnet: 'StackExchange.Redis connects to Unix domain socket endpoints (`!/path`)',
    ours: '`parseStackExchangeConfiguration` parses them; `parseRedisConnectionString` refuses them',
    reason: 'settings are a host and a port, and Azure caches are reached over TCP',
  },
  {
    id: 'readme-10',
    area: 'config',
    title: 'StackExchange.Redis drops `$NAME=` entries for command names',
    dotnet: 'StackExchange.Redis drops `$NAME=` entries for command names it does not know',
    ours: 'kept in `commandMap` as written',
    reason: 'the command map is informational here; copying the library\'s command list would buy nothing',
  },
  {
    id: 'readme-11',
    area: 'config',
    title: 'StackExchange.Redis treats a port-less endpoint as a sentine',
    dotnet: 'StackExchange.Redis treats a port-less endpoint as a sentinel on 26379 when `serviceName` is set',
    ours: '6379/6380 as for any endpoint',
    reason: 'Redis Sentinel is not supported by `createRedisClient`',
  },
  {
    id: 'readme-12',
    area: 'config',
    title: '`GetDebugView` shows values as they are',
    dotnet: '`GetDebugView` shows values as they are',
    ours: 'secret values (by provider, schema, key name, or a value carrying a key, password or signature) are a fingerprint',
    reason: 'the debug view is for logs',
  },
];
