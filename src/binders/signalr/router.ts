/**
 * Which endpoint a client negotiates with, and which endpoints a message goes to, as the SDK's
 * `DefaultEndpointRouter` / `DefaultMessageRouter` decide:
 * - negotiate: uniformly at random among the online primaries; when none is online, among the
 *   online secondaries; when none of those either, `SignalRNotConnectedError` naming each
 *   endpoint's state (the SDK's "Azure SignalR Service is not connected yet, please try again
 *   later."). The SDK weighs the pick by connection capacity, which it learns from its server
 *   connections; over REST there is no such figure, so the pick is uniform, as the SDK's own is
 *   when any capacity is unknown. With a single endpoint that endpoint is returned whatever its
 *   state (the Management SDK's `AutoHealthCheckRouter`).
 * - messages and group operations: every online endpoint, primary and secondary alike, since a
 *   client may be connected to any of them.
 * A custom router may replace either choice.
 */
import type { IncomingMessage } from 'node:http';
import type { ServiceEndpoint } from './endpoints.js';
import { SignalRNotConnectedError, type EndpointStateSummary } from './serviceErrors.js';

/** An endpoint as routers see it: the configured endpoint and whether health probes find it online. */
export interface RoutedEndpoint {
  readonly name: string;
  readonly type: 'primary' | 'secondary';
  /** `scheme://host[:port]`. */
  readonly endpoint: string;
  readonly online: boolean;
  readonly serviceEndpoint: ServiceEndpoint;
}

export interface NegotiateContext {
  hub: string;
  userId?: string;
  claims?: Readonly<Record<string, string | readonly string[]>>;
  /** The HTTP request, when the negotiation came through `negotiateHandler`. */
  request?: IncomingMessage;
}

export type MessageKind = 'all' | 'user' | 'group' | 'connection';

/** What a message or group operation is about. */
export interface MessageTarget {
  hub: string;
  kind: MessageKind;
  /** The user id, group name or connection id; absent for `all`. */
  name?: string;
  /** What is done: `send`, `addToGroup`, `exists`, `close`… */
  operation: string;
}

export interface EndpointRouter {
  /** The endpoint a client negotiates with. Return one of `endpoints`. */
  negotiate?(endpoints: readonly RoutedEndpoint[], context: NegotiateContext): RoutedEndpoint | ServiceEndpoint;
  /** The endpoints a message or group operation goes to. Return a subset of `endpoints`. */
  messages?(endpoints: readonly RoutedEndpoint[], target: MessageTarget): readonly (RoutedEndpoint | ServiceEndpoint)[];
}

export function summarize(endpoints: readonly RoutedEndpoint[]): EndpointStateSummary[] {
  return endpoints.map((e) => ({ name: e.name, type: e.type, endpoint: e.endpoint, online: e.online }));
}

function describeStates(endpoints: readonly RoutedEndpoint[]): string {
  return endpoints.map((e) => `${e.serviceEndpoint.toString()}: ${e.online ? 'online' : 'offline'}`).join(', ');
}

/** The SDK's negotiate choice. `random` returns a number in [0, 1) (tests make it deterministic). */
export function defaultNegotiateEndpoint(endpoints: readonly RoutedEndpoint[], random: () => number = Math.random): RoutedEndpoint {
  if (endpoints.length === 1) return endpoints[0]!;
  const primaries = endpoints.filter((e) => e.online && e.type === 'primary');
  const candidates = primaries.length > 0 ? primaries : endpoints.filter((e) => e.online && e.type === 'secondary');
  if (candidates.length === 0) {
    const states = endpoints.length === 0 ? 'no endpoint is configured' : describeStates(endpoints);
    throw new SignalRNotConnectedError(`Azure SignalR Service is not connected yet, please try again later. Endpoints: ${states}.`, summarize(endpoints));
  }
  return candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))]!;
}

/** The SDK's message choice: every online endpoint. */
export function defaultMessageEndpoints(endpoints: readonly RoutedEndpoint[]): RoutedEndpoint[] {
  return endpoints.filter((e) => e.online);
}
