/**
 * Names checked as the service checks them (the data-plane swagger, 2022-06-01, and the Azure
 * SignalR emulator's `ParameterValidator`), so a bad name fails here with a typed error before any
 * request instead of as a 400 from every endpoint:
 * - hub: `^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$`;
 * - group: 1 to 1024 characters, not only white space (`^(?!\s+$).+$`);
 * - user id, connection id and method (the payload's `target`): non-empty strings, as the
 *   Management SDK's "Argument cannot be null or empty." checks;
 * - ttl: not negative (the SDK's "Ttl cannot be less than 0.").
 */
import { SignalRArgumentError } from './serviceErrors.js';

const HUB_NAME = /^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/;
const NOT_ONLY_WHITESPACE = /^(?!\s+$)[\s\S]+$/;
const MAX_GROUP_LENGTH = 1024;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'` : `a ${typeof value}`;
}

export function checkHubName(hub: unknown): asserts hub is string {
  if (typeof hub !== 'string' || !HUB_NAME.test(hub)) {
    throw new SignalRArgumentError(
      `Invalid hub name ${describe(hub)}: a hub name starts with a letter and has at most 128 characters among letters, digits and _ \` , . [ ] (the service's rule).`,
      'hub',
    );
  }
}

function checkNonEmpty(value: unknown, argument: string, what: string): asserts value is string {
  if (typeof value !== 'string') throw new SignalRArgumentError(`The ${what} must be a string, not ${describe(value)}.`, argument);
  if (value === '') throw new SignalRArgumentError(`The ${what} cannot be empty.`, argument);
}

export function checkUserId(userId: unknown): asserts userId is string {
  checkNonEmpty(userId, 'userId', 'user id');
}

export function checkConnectionId(connectionId: unknown): asserts connectionId is string {
  checkNonEmpty(connectionId, 'connectionId', 'connection id');
}

export function checkMethodName(method: unknown): asserts method is string {
  checkNonEmpty(method, 'method', 'method name (the message target)');
}

export function checkGroupName(group: unknown): asserts group is string {
  checkNonEmpty(group, 'group', 'group name');
  if (group.length > MAX_GROUP_LENGTH || !NOT_ONLY_WHITESPACE.test(group)) {
    throw new SignalRArgumentError(
      `Invalid group name ${describe(group)}: a group name has 1 to ${MAX_GROUP_LENGTH} characters and is not only white space (the service's rule).`,
      'group',
    );
  }
}

/** Seconds as the SDK sends them (`(int)ttl.TotalSeconds`: truncated). */
export function ttlSeconds(ttlMs: unknown): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs)) throw new SignalRArgumentError(`ttlMs must be a finite number of milliseconds, not ${describe(ttlMs)}.`, 'ttlMs');
  if (ttlMs < 0) throw new SignalRArgumentError('Ttl cannot be less than 0.', 'ttlMs');
  return Math.trunc(ttlMs / 1000);
}

/**
 * The REST body `{"target","arguments"}` as text (the swagger's `PayloadMessage`). JSON.stringify
 * rules apply, as they do for the JavaScript client's own JSON protocol; what it cannot serialise
 * (a cycle, a BigInt, a throwing toJSON) is a typed error.
 */
export function serializeMessage(method: string, args: readonly unknown[]): string {
  try {
    return JSON.stringify({ target: method, arguments: args });
  } catch (err) {
    // Only our own words: a user's toJSON may have thrown a message that quotes a value.
    const text = err instanceof Error ? err.message : '';
    const reason = /circular/i.test(text) ? 'they contain a cycle' : /bigint/i.test(text) ? 'they contain a BigInt' : 'a toJSON method threw';
    throw new SignalRArgumentError(`The arguments of '${method}' cannot be serialised as JSON: ${reason}; nothing was sent.`, 'arguments');
  }
}
