/**
 * The error hierarchy. Every error the library raises on bad input is a `ConfigurationError`
 * with a stable `code`, the configuration `key` it concerns (when there is one) and the
 * `provider` / `source` that supplied it. Messages never contain a secret value: callers pass
 * values only when they know them to be non-secret.
 */

export interface ConfigurationErrorDetails {
  /** The full configuration key (`A:B:C`) the error is about, when there is one. */
  key?: string;
  /** The provider name (as in `debugView()`), when known. */
  provider?: string;
  /** Where inside the provider: a file path, an environment variable, `argv[3]`, a vault secret. */
  source?: string;
  /** The underlying error, when there is one; never exposed in `message`. */
  cause?: unknown;
}

export class ConfigurationError extends Error {
  /** A stable machine-readable code, e.g. `JSON_PARSE`. Subclasses fix it. */
  readonly code: string;
  readonly key?: string;
  readonly provider?: string;
  readonly source?: string;

  constructor(message: string, code = 'CONFIGURATION', details: ConfigurationErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    if (details.key !== undefined) this.key = details.key;
    if (details.provider !== undefined) this.provider = details.provider;
    if (details.source !== undefined) this.source = details.source;
  }
}

/** A required file (JSON, user secrets, `.env`) does not exist. */
export class ConfigurationFileNotFoundError extends ConfigurationError {
  constructor(message: string, details: ConfigurationErrorDetails = {}) {
    super(message, 'FILE_NOT_FOUND', details);
  }
}

/** A file or value could not be parsed (malformed JSON, non-object root, unsupported token). */
export class ConfigurationParseError extends ConfigurationError {
  readonly line?: number;
  readonly column?: number;
  constructor(message: string, details: ConfigurationErrorDetails & { line?: number; column?: number } = {}) {
    super(message, 'PARSE_ERROR', details);
    if (details.line !== undefined) this.line = details.line;
    if (details.column !== undefined) this.column = details.column;
  }
}

/** The same key (compared case-insensitively after flattening) appears twice in one file. */
export class DuplicateKeyError extends ConfigurationError {
  constructor(message: string, details: ConfigurationErrorDetails = {}) {
    super(message, 'DUPLICATE_KEY', details);
  }
}

/** Command-line arguments or switch mappings that .NET would reject. */
export class CommandLineError extends ConfigurationError {
  constructor(message: string, details: ConfigurationErrorDetails = {}) {
    super(message, 'COMMAND_LINE', details);
  }
}

/** `getRequiredSection` on a section that does not exist. */
export class SectionNotFoundError extends ConfigurationError {
  constructor(message: string, details: ConfigurationErrorDetails = {}) {
    super(message, 'SECTION_NOT_FOUND', details);
  }
}

/** A value could not be converted to the target type while binding. */
export class BindingError extends ConfigurationError {
  readonly targetType?: string;
  constructor(message: string, details: ConfigurationErrorDetails & { targetType?: string } = {}) {
    super(message, 'BINDING', details);
    if (details.targetType !== undefined) this.targetType = details.targetType;
  }
}

export interface Violation {
  key: string;
  message: string;
  provider?: string;
  source?: string;
}

/** Schema validation failed; `violations` lists every problem at once. */
export class ValidationError extends ConfigurationError {
  readonly violations: readonly Violation[];
  constructor(message: string, violations: readonly Violation[], details: ConfigurationErrorDetails = {}) {
    super(message, 'VALIDATION', details);
    this.violations = violations;
  }
}

/** A remote provider (Key Vault, App Configuration) failed to load. */
export class RemoteProviderError extends ConfigurationError {
  /** HTTP status of the real cause, when there was one. */
  readonly statusCode?: number;
  constructor(message: string, code: string, details: ConfigurationErrorDetails & { statusCode?: number } = {}) {
    super(message, code, details);
    if (details.statusCode !== undefined) this.statusCode = details.statusCode;
  }
}

/** A connection string (SignalR, Redis) that cannot be parsed or is inconsistent. */
export class ConnectionStringError extends ConfigurationError {
  constructor(message: string, details: ConfigurationErrorDetails = {}) {
    super(message, 'CONNECTION_STRING', details);
  }
}

/**
 * A schema passed to `bind` / `loadConfig` that cannot be used: not one of the accepted forms
 * (`INVALID_SCHEMA`), a Standard Schema validator that threw (`SCHEMA_THREW`) or returned neither
 * a value nor issues (`SCHEMA_RESULT`), or an asynchronous validator given to the synchronous
 * `bind` (`ASYNC_SCHEMA`: use `bindAsync`).
 */
export class SchemaError extends ConfigurationError {
  constructor(message: string, code: 'INVALID_SCHEMA' | 'SCHEMA_THREW' | 'SCHEMA_RESULT' | 'ASYNC_SCHEMA', details: ConfigurationErrorDetails = {}) {
    super(message, code, details);
  }
}

/** An override given to `withOverrides` that is not a string or null. */
export class OverrideError extends ConfigurationError {
  constructor(message: string, details: ConfigurationErrorDetails = {}) {
    super(message, 'INVALID_OVERRIDE', details);
  }
}

/** Describes where a value came from, for error messages: `from JsonConfigurationProvider for 'a.json' (Optional)`. */
export function describeOrigin(details: { provider?: string; source?: string }): string {
  if (details.provider && details.source) return `${details.provider} (${details.source})`;
  return details.provider ?? details.source ?? 'an unknown provider';
}
