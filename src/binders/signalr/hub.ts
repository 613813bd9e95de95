/**
 * The messages and group operations of one hub, sent over the data-plane REST API to every
 * endpoint the router picks, with one outcome per endpoint (the SDK's `MultiEndpointMessageWriter`:
 * a send or group change must reach every endpoint, since a client may be connected to any).
 */
import { ConfigurationError } from '../../core/errors.js';
import { checkConnectionId, checkGroupName, checkMethodName, checkUserId, serializeMessage, ttlSeconds } from './names.js';
import { escapeDataString, type EndpointRestClient, type RestOperation } from './rest.js';
import type { MessageKind, MessageTarget } from './router.js';
import { SignalRArgumentError, SignalRDeliveryError, SignalRNotConnectedError, type EndpointOutcome } from './serviceErrors.js';

/** An endpoint as a hub sends to it. */
export interface HubTarget {
  readonly name: string;
  readonly rest: EndpointRestClient;
  /** The SDK's `[name](Primary)https://host` form. */
  toString(): string;
}

/** Where a hub's operations go: the service's routing. */
export interface HubRouting {
  route(target: MessageTarget): HubTarget[];
}

export interface AddToGroupOptions {
  /** How long the user stays in the group; sent in whole seconds as the SDK does. */
  ttlMs?: number;
}

/** Messages and group operations of one hub, sent to every endpoint the router picks (by default every online one). */
export interface SignalRHub {
  readonly name: string;
  sendToAll(method: string, ...args: unknown[]): Promise<EndpointOutcome[]>;
  sendToUser(userId: string, method: string, ...args: unknown[]): Promise<EndpointOutcome[]>;
  sendToGroup(group: string, method: string, ...args: unknown[]): Promise<EndpointOutcome[]>;
  sendToConnection(connectionId: string, method: string, ...args: unknown[]): Promise<EndpointOutcome[]>;
  addUserToGroup(userId: string, group: string, options?: AddToGroupOptions): Promise<EndpointOutcome[]>;
  removeUserFromGroup(userId: string, group: string): Promise<EndpointOutcome[]>;
  removeUserFromAllGroups(userId: string): Promise<EndpointOutcome[]>;
  addConnectionToGroup(connectionId: string, group: string): Promise<EndpointOutcome[]>;
  removeConnectionFromGroup(connectionId: string, group: string): Promise<EndpointOutcome[]>;
  removeConnectionFromAllGroups(connectionId: string): Promise<EndpointOutcome[]>;
  closeConnection(connectionId: string, reason?: string): Promise<EndpointOutcome[]>;
  userExists(userId: string): Promise<boolean>;
  groupExists(group: string): Promise<boolean>;
  connectionExists(connectionId: string): Promise<boolean>;
  userInGroup(userId: string, group: string): Promise<boolean>;
}

interface Settled {
  runtime: HubTarget;
  found?: boolean;
  error?: ConfigurationError;
}

function asConfigurationError(err: unknown): ConfigurationError {
  if (err instanceof ConfigurationError) return err;
  return new ConfigurationError('The SignalR REST call failed unexpectedly.', 'SIGNALR_REST_RUNTIME', { cause: err });
}

export class Hub implements SignalRHub {
  readonly #service: HubRouting;
  readonly name: string;
  constructor(service: HubRouting, name: string) {
    this.#service = service;
    this.name = name;
  }

  /** Runs `op` on every routed endpoint; `stopOnFound` settles as soon as one finds (connection ids are unique to one endpoint). */
  async #fanOut(kind: MessageKind, name: string | undefined, operation: string, op: RestOperation, stopOnFound = false): Promise<Settled[]> {
    const targets = this.#service.route({ hub: this.name, kind, ...(name !== undefined ? { name } : {}), operation });
    if (targets.length === 0) {
      throw new SignalRNotConnectedError(
        `No SignalR endpoint is online to ${operation} on hub '${this.name}'; nothing was sent.`,
        [],
      );
    }
    const results: Settled[] = targets.map((runtime) => ({ runtime }));
    const calls = targets.map((runtime, i) =>
      runtime.rest.call(this.name, op).then(
        (r) => {
          results[i]!.found = r.found;
        },
        (err: unknown) => {
          results[i]!.error = asConfigurationError(err);
        },
      ),
    );
    if (!stopOnFound) {
      await Promise.all(calls);
      return results;
    }
    await new Promise<void>((resolve) => {
      let left = calls.length;
      calls.forEach((c) =>
        void c.then(() => {
          if (results.some((r) => r.found === true) || --left === 0) resolve();
        }),
      );
    });
    return results;
  }

  #outcomes(results: readonly Settled[], operation: string): EndpointOutcome[] {
    const outcomes: EndpointOutcome[] = results.map((r) => ({
      name: r.runtime.name,
      endpoint: r.runtime.toString(),
      ok: r.error === undefined,
      ...(r.error !== undefined ? { error: r.error } : {}),
    }));
    const failed = outcomes.filter((o) => !o.ok);
    if (failed.length > 0) {
      const ok = outcomes.filter((o) => o.ok).map((o) => o.endpoint);
      throw new SignalRDeliveryError(
        `${operation} on hub '${this.name}' failed on ${failed.length} of ${outcomes.length} SignalR endpoint(s): ` +
          failed.map((f) => f.error!.message).join(' | ') +
          (ok.length > 0 ? ` Succeeded on: ${ok.join(', ')}.` : ''),
        outcomes,
      );
    }
    return outcomes;
  }

  async #send(kind: MessageKind, name: string | undefined, path: string, method: string, args: unknown[]): Promise<EndpointOutcome[]> {
    checkMethodName(method);
    const body = serializeMessage(method, args);
    const operation = `send '${method}' to ${kind === 'all' ? 'all' : `${kind} '${name}'`}`;
    return this.#outcomes(await this.#fanOut(kind, name, operation, { method: 'POST', path, body }), operation);
  }

  async #do(kind: MessageKind, name: string, operation: string, op: RestOperation): Promise<EndpointOutcome[]> {
    return this.#outcomes(await this.#fanOut(kind, name, operation, op), operation);
  }

  async #exists(kind: MessageKind, name: string, operation: string, op: RestOperation, stopOnFound = false): Promise<boolean> {
    const results = await this.#fanOut(kind, name, operation, op, stopOnFound);
    // As the SDK's MultiEndpointMessageWriter: a connection lives on one endpoint, so one "yes" is
    // the answer; users and groups span endpoints, so every endpoint must answer and any failure fails.
    if (stopOnFound && results.some((r) => r.found === true)) return true;
    this.#outcomes(results, operation);
    return results.some((r) => r.found === true);
  }

  async sendToAll(method: string, ...args: unknown[]): Promise<EndpointOutcome[]> {
    return this.#send('all', undefined, '/:send', method, args);
  }

  async sendToUser(userId: string, method: string, ...args: unknown[]): Promise<EndpointOutcome[]> {
    checkUserId(userId);
    return this.#send('user', userId, `/users/${escapeDataString(userId)}/:send`, method, args);
  }

  async sendToGroup(group: string, method: string, ...args: unknown[]): Promise<EndpointOutcome[]> {
    checkGroupName(group);
    return this.#send('group', group, `/groups/${escapeDataString(group)}/:send`, method, args);
  }

  async sendToConnection(connectionId: string, method: string, ...args: unknown[]): Promise<EndpointOutcome[]> {
    checkConnectionId(connectionId);
    return this.#send('connection', connectionId, `/connections/${escapeDataString(connectionId)}/:send`, method, args);
  }

  async addUserToGroup(userId: string, group: string, options: AddToGroupOptions = {}): Promise<EndpointOutcome[]> {
    checkUserId(userId);
    checkGroupName(group);
    const query: Array<[string, string]> = options.ttlMs === undefined ? [] : [['ttl', String(ttlSeconds(options.ttlMs))]];
    return this.#do('user', userId, `add user '${userId}' to group '${group}'`, {
      method: 'PUT',
      path: `/users/${escapeDataString(userId)}/groups/${escapeDataString(group)}`,
      query,
    });
  }

  async removeUserFromGroup(userId: string, group: string): Promise<EndpointOutcome[]> {
    checkUserId(userId);
    checkGroupName(group);
    return this.#do('user', userId, `remove user '${userId}' from group '${group}'`, {
      method: 'DELETE',
      path: `/users/${escapeDataString(userId)}/groups/${escapeDataString(group)}`,
    });
  }

  async removeUserFromAllGroups(userId: string): Promise<EndpointOutcome[]> {
    checkUserId(userId);
    return this.#do('user', userId, `remove user '${userId}' from all groups`, { method: 'DELETE', path: `/users/${escapeDataString(userId)}/groups` });
  }

  async addConnectionToGroup(connectionId: string, group: string): Promise<EndpointOutcome[]> {
    checkConnectionId(connectionId);
    checkGroupName(group);
    // Each endpoint answers 404 Error.Connection.NotExisted for connections it does not hold (the SDK accepts it).
    return this.#do('connection', connectionId, `add connection '${connectionId}' to group '${group}'`, {
      method: 'PUT',
      path: `/groups/${escapeDataString(group)}/connections/${escapeDataString(connectionId)}`,
      notFoundCode: 'Error.Connection.NotExisted',
    });
  }

  async removeConnectionFromGroup(connectionId: string, group: string): Promise<EndpointOutcome[]> {
    checkConnectionId(connectionId);
    checkGroupName(group);
    return this.#do('connection', connectionId, `remove connection '${connectionId}' from group '${group}'`, {
      method: 'DELETE',
      path: `/groups/${escapeDataString(group)}/connections/${escapeDataString(connectionId)}`,
      notFoundCode: 'Error.Connection.NotExisted',
    });
  }

  async removeConnectionFromAllGroups(connectionId: string): Promise<EndpointOutcome[]> {
    checkConnectionId(connectionId);
    return this.#do('connection', connectionId, `remove connection '${connectionId}' from all groups`, {
      method: 'DELETE',
      path: `/connections/${escapeDataString(connectionId)}/groups`,
    });
  }

  async closeConnection(connectionId: string, reason?: string): Promise<EndpointOutcome[]> {
    checkConnectionId(connectionId);
    if (reason !== undefined && typeof reason !== 'string') throw new SignalRArgumentError('The close reason must be a string.', 'reason');
    return this.#do('connection', connectionId, `close connection '${connectionId}'`, {
      method: 'DELETE',
      path: `/connections/${escapeDataString(connectionId)}`,
      ...(reason !== undefined ? { query: [['reason', reason]] as const } : {}),
      notFoundCode: 'Warning.Connection.NotExisted',
    });
  }

  async userExists(userId: string): Promise<boolean> {
    checkUserId(userId);
    return this.#exists('user', userId, `check user '${userId}'`, { method: 'HEAD', path: `/users/${escapeDataString(userId)}`, notFoundCode: 'Warning.User.NotExisted' });
  }

  async groupExists(group: string): Promise<boolean> {
    checkGroupName(group);
    return this.#exists('group', group, `check group '${group}'`, { method: 'HEAD', path: `/groups/${escapeDataString(group)}`, notFoundCode: 'Warning.Group.NotExisted' });
  }

  async connectionExists(connectionId: string): Promise<boolean> {
    checkConnectionId(connectionId);
    return this.#exists(
      'connection',
      connectionId,
      `check connection '${connectionId}'`,
      { method: 'HEAD', path: `/connections/${escapeDataString(connectionId)}`, notFoundCode: 'Warning.Connection.NotExisted' },
      true,
    );
  }

  async userInGroup(userId: string, group: string): Promise<boolean> {
    checkUserId(userId);
    checkGroupName(group);
    // The SDK's IsUserInGroup sends GET; the swagger documents HEAD; the service answers both.
    return this.#exists('user', userId, `check user '${userId}' in group '${group}'`, {
      method: 'GET',
      path: `/users/${escapeDataString(userId)}/groups/${escapeDataString(group)}`,
      notFoundCode: 'Info.User.NotInGroup',
    });
  }
}
