/**
 * Pure rules of .NET's key-per-file provider (`AddKeyPerFile`): which directory entries count,
 * how a file name becomes a key and how a file's bytes become its value. No file system here.
 */
import { EOL } from 'node:os';

/**
 * .NET's `KeyPerFileConfigurationSource.IgnorePrefix` default: a file named `ignore.<anything>` is
 * not a key. (Kubernetes' `..data` and `..<timestamp>` entries start with `.`, which the file
 * provider never lists: see `isListedByFileProvider`.)
 */
export const DEFAULT_IGNORE_PREFIX = 'ignore.';

/** .NET's `SectionDelimiter` default: `Logging__LogLevel` is the key `Logging:LogLevel`. */
export const DEFAULT_SECTION_DELIMITER = '__';

/**
 * Whether .NET's `PhysicalFileProvider` (default `ExclusionFilters.Sensitive`) lists an entry at
 * all: names starting with `.` are hidden from it before any ignore rule runs.
 */
export function isListedByFileProvider(name: string): boolean {
  return !name.startsWith('.');
}

/** File name → key: each delimiter (left to right, without overlaps) becomes `:`. */
export function keyFromFileName(name: string, delimiter = DEFAULT_SECTION_DELIMITER): string {
  return delimiter === '' ? name : name.split(delimiter).join(':');
}

/**
 * File bytes → value, as `StreamReader.ReadToEnd()` then `TrimNewLine`: a byte-order mark picks
 * the encoding (UTF-8 otherwise, invalid bytes become U+FFFD) and one trailing platform newline
 * (`Environment.NewLine`, so `\n` on Linux) is removed; other whitespace is kept.
 */
export function valueFromFileBytes(bytes: Uint8Array, newline: string = EOL): string {
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder('utf-16le').decode(bytes.subarray(2));
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder('utf-16be').decode(bytes.subarray(2));
  else text = new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
  return text.endsWith(newline) ? text.slice(0, text.length - newline.length) : text;
}
