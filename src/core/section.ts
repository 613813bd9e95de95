import { inspect } from 'node:util';
import { SectionNotFoundError } from './errors.js';
import { combinePath, getSectionKey } from './path.js';
import type { ConfigurationRoot } from './root.js';

/** A view of the tree at one path. Cheap to create; always reads the root's current data. */
export class ConfigurationSection {
  /** The root this section reads from (for provenance: `section.root.origin(path)`). */
  readonly root: ConfigurationRoot;
  /** The full path as the caller spelled it. */
  readonly path: string;

  constructor(root: ConfigurationRoot, path: string) {
    this.root = root;
    this.path = path;
  }

  /** The last segment of the path. */
  get key(): string {
    return getSectionKey(this.path);
  }

  get value(): string | null | undefined {
    return this.root.get(this.path);
  }

  /** True when the section has a non-null value or any child (`""` exists; `null` alone does not). */
  exists(): boolean {
    const value = this.value;
    return (value !== null && value !== undefined) || this.root.hasChildren(this.path);
  }

  get(key: string): string | null | undefined {
    return this.root.get(combinePath(this.path, key));
  }

  getSection(key: string): ConfigurationSection {
    return new ConfigurationSection(this.root, combinePath(this.path, key));
  }

  getRequiredSection(key: string): ConfigurationSection {
    const section = this.getSection(key);
    if (!section.exists()) {
      throw new SectionNotFoundError(`Section '${section.path}' not found in configuration.`, { key: section.path });
    }
    return section;
  }

  getChildren(): ConfigurationSection[] {
    return this.root.childSections(this.path);
  }

  /**
   * This section and every section below it as `[path, value]` (.NET `AsEnumerable`): the section
   * itself comes first, with a null value when it has none. With `makePathsRelative`, paths drop
   * `path:` and the section itself is left out, as its relative path would be an empty key.
   */
  entries(options: { makePathsRelative?: boolean } = {}): IterableIterator<[string, string | null]> {
    if (options.makePathsRelative === true) return this.root.entriesBelow(this.path, true);
    return this.#withSelf();
  }

  *#withSelf(): IterableIterator<[string, string | null]> {
    yield [this.path, this.value ?? null];
    yield* this.root.entriesBelow(this.path, false);
  }

  toJSON(): Record<string, string | null> {
    return this.root.redactedEntries(this.path);
  }

  [inspect.custom](_depth: number, options: object): string {
    return `ConfigurationSection '${this.path}' ${inspect(this.toJSON(), { ...options, depth: 1 })}`;
  }
}
