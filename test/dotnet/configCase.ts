/**
 * One configuration case run through our builder, answered in the oracle's shape
 * (`entries`/`children`/`lookups`, or a normalised error category).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationBuilder } from '../../src/builder.js';
import { CommandLineError, ConfigurationError, ConfigurationFileNotFoundError, DuplicateKeyError } from '../../src/core/errors.js';
import type { OracleAnswer } from './oracle.js';
import type { ConfigCase, Layer } from './generators/config.js';

const fold = (s: string) => s.toUpperCase().toLowerCase();

export interface ConfigAnswer {
  error?: string;
  entries?: Array<[string, string | null]>;
  children?: Array<[string, string[]]>;
  lookups?: Array<{ key: string; value: string | null; exists: boolean }>;
}

/** .NET exception → the category both sides are compared on (messages differ in wording and detail). */
export function dotnetErrorCategory(type: string, message: string): string {
  const dup = /^A duplicate key '(.*)' was found\.$/s.exec(message) ?? /^An item with the same key has already been added\. Key: (.*)$/s.exec(message);
  if (dup) return `duplicate:${fold(dup[1]!)}`;
  if (message.startsWith('Top-level JSON element must be an object')) return 'json:root';
  if (type === 'FormatException' && (message.startsWith('Could not parse the JSON file') || message.startsWith('Unsupported JSON token'))) return 'json:invalid';
  // A surrogate escape without its other half: System.Text.Json throws this when the parser reads the
  // name or the string ("Cannot read invalid UTF-16 JSON text as string…", "Cannot read incomplete
  // UTF-16 JSON text as string with missing low surrogate."), which the parser does not wrap; the
  // file is refused all the same.
  if (type === 'InvalidOperationException' && /^Cannot read (invalid|incomplete) UTF-16 JSON text as string/.test(message)) return 'json:invalid';
  if (message.includes('is not defined in the switch mappings')) return 'cmd:short-switch';
  if (message.startsWith('The switch mappings contain an invalid switch')) return 'cmd:invalid-mapping';
  if (message.startsWith('Keys in switch mappings are case-insensitive')) return 'cmd:duplicate-mapping';
  if (type === 'DirectoryNotFoundException') return 'directory:missing';
  return `unknown:${type}`;
}

export function ourErrorCategory(err: unknown): string {
  if (err instanceof DuplicateKeyError) return `duplicate:${fold(err.key ?? '')}`;
  if (err instanceof CommandLineError) {
    if (err.message.includes('is not defined in the switch mappings')) return 'cmd:short-switch';
    if (err.message.includes('contain an invalid switch')) return 'cmd:invalid-mapping';
    if (err.message.includes('case-insensitive')) return 'cmd:duplicate-mapping';
  }
  if (err instanceof ConfigurationFileNotFoundError) return 'directory:missing';
  if (err instanceof ConfigurationError && err.code === 'PARSE_ERROR') return err.message.includes('Top-level JSON element') ? 'json:root' : 'json:invalid';
  if (err instanceof ConfigurationError) return `ours:${err.code}:${err.message.slice(0, 120)}`;
  return `crash:${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
}

/** Materialises the case's files: one directory per case, removed by `cleanup`. */
export class CaseFiles {
  readonly root = mkdtempSync(join(tmpdir(), 'layered-config-diff-'));
  readonly #paths = new Map<Layer, string>();
  #n = 0;

  pathOf(layer: Layer): string {
    let path = this.#paths.get(layer);
    if (path) return path;
    const n = this.#n++;
    if (layer.kind === 'json') {
      path = join(this.root, `layer${n}.json`);
      writeFileSync(path, layer.text, 'utf8');
    } else if (layer.kind === 'keyPerFile') {
      path = join(this.root, `keys${n}`);
      if (!layer.missing) {
        mkdirSync(path);
        for (const d of layer.dirs) mkdirSync(join(path, d), { recursive: true });
        for (const [name, content] of layer.files) if (!layer.dirs.includes(name)) writeFileSync(join(path, name), content, 'utf8');
      }
    } else {
      throw new Error('no file for this layer');
    }
    this.#paths.set(layer, path);
    return path;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export function toOracle(c: ConfigCase, files: CaseFiles): Record<string, unknown> {
  return {
    area: 'config',
    sections: c.sections,
    lookups: c.lookups,
    layers: c.layers.map((l) => {
      switch (l.kind) {
        case 'json':
          return { kind: 'json', path: files.pathOf(l) };
        case 'env':
          return { kind: 'env', prefix: l.prefix, vars: l.vars };
        case 'cmd':
          return { kind: 'cmd', args: l.args, mappings: l.mappings };
        case 'memory':
          return { kind: 'memory', pairs: l.pairs };
        case 'keyPerFile':
          return {
            kind: 'keyPerFile',
            directory: files.pathOf(l),
            optional: l.optional,
            ...(l.ignorePrefix !== undefined ? { ignorePrefix: l.ignorePrefix } : {}),
            ...(l.sectionDelimiter !== undefined ? { sectionDelimiter: l.sectionDelimiter } : {}),
          };
      }
    }),
  };
}

export function theirs(answer: OracleAnswer, c: ConfigCase): ConfigAnswer {
  if (answer.error) return { error: dotnetErrorCategory(answer.error.type, answer.error.message) };
  // Pairs, not an object: a section named `__proto__` must stay an ordinary entry.
  const children = c.sections.map((s, i) => [s, (answer.children as string[][])[i]!] as [string, string[]]);
  return { entries: answer.entries as ConfigAnswer['entries'], children, lookups: answer.lookups as ConfigAnswer['lookups'] };
}

export async function ours(c: ConfigCase, files: CaseFiles): Promise<ConfigAnswer> {
  const builder = new ConfigurationBuilder();
  try {
    for (const l of c.layers) {
      switch (l.kind) {
        case 'json':
          builder.addJsonFile(files.pathOf(l));
          break;
        case 'env':
          builder.addEnvironmentVariables({ env: Object.fromEntries(l.vars), ...(l.prefix !== null ? { prefix: l.prefix } : {}) });
          break;
        case 'cmd':
          builder.addCommandLine(l.args, l.mappings ? { switchMappings: new Map(l.mappings) } : {});
          break;
        case 'memory':
          builder.addInMemory(l.pairs);
          break;
        case 'keyPerFile':
          builder.addKeyPerFile(files.pathOf(l), {
            optional: l.optional,
            ...(l.ignorePrefix !== undefined ? { ignorePrefix: l.ignorePrefix } : {}),
            ...(l.sectionDelimiter !== undefined ? { sectionDelimiter: l.sectionDelimiter } : {}),
          });
          break;
      }
    }
  } catch (err) {
    return { error: ourErrorCategory(err) };
  }
  let root;
  try {
    root = await builder.build();
  } catch (err) {
    return { error: ourErrorCategory(err) };
  }
  try {
    const children = c.sections.map((s) => [s, (s === '' ? root.getChildren() : root.getSection(s).getChildren()).map((x) => x.key)] as [string, string[]]);
    return {
      entries: [...root.entries()],
      children,
      lookups: c.lookups.map((k) => {
        const section = root.getSection(k);
        return { key: k, value: section.value ?? null, exists: section.exists() };
      }),
    };
  } finally {
    await root.dispose();
  }
}
