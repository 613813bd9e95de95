/**
 * The two other places .NET reads SignalR endpoints from, for apps that share configuration with
 * an Azure Functions app or a named ASP.NET Core registration:
 *
 * - Azure Functions (`Microsoft.Azure.WebJobs.Extensions.SignalRService`, `OptionsSetupFromConfig`):
 *   the connection setting (default `AzureSignalRConnectionString`, or the binding's
 *   `connectionStringSetting`) read as `ConnectionStrings:<setting>` ?? `<setting>`; the
 *   `Azure:SignalR:Endpoints` children one level deep (`<name>`, `<name>:primary`,
 *   `<name>:secondary`, or identity-based `<name>:serviceUri`); and, when the setting has no
 *   value, the identity-based `<setting>:serviceUri` (+ `credential`, `clientId`…) as the unnamed
 *   endpoint — `AzureSignalRConnectionString__serviceUri` in app settings.
 * - `AddNamedAzureSignalR(name)` (`ServiceOptionsSetup`): the connection string from
 *   `ConnectionStrings:<name>`, else `Azure:SignalR:<name>:ConnectionString`, else
 *   `ConnectionStrings:Azure:SignalR:<name>:ConnectionString`; named endpoints below
 *   `Azure:SignalR:<name>:ConnectionString` (else the `ConnectionStrings:` copy); and
 *   `Azure:SignalR:<name>:Endpoints:*` in the Management form (identity-based entries included).
 */
import type { ConfigurationError } from '../../core/errors.js';
import { combinePath } from '../../core/path.js';
import { parseSignalRConnectionString } from './connectionString.js';
import {
  endpointsBelow,
  identityEndpoint,
  nonEmptyString,
  parseEndpointName,
  ServiceEndpoint,
  SIGNALR_ENDPOINTS_KEY,
  whereOf,
  withLocation,
  type SignalRConfigurationSource,
  type SignalREndpointsReport,
} from './endpoints.js';
import { SignalREndpointsError } from './errors.js';

/** The Functions extension's default connection setting name. */
export const FUNCTIONS_CONNECTION_SETTING = 'AzureSignalRConnectionString';

export interface FunctionsEndpointsOptions {
  /** The binding's `connectionStringSetting`; default `AzureSignalRConnectionString`. */
  connectionStringSetting?: string;
}

function hasAny(config: SignalRConfigurationSource, key: string): boolean {
  return config.get(key) != null || config.getSection(key).getChildren().length > 0;
}

/** Adds one endpoint from a connection string at `key`, or its error. */
function addConnectionString(config: SignalRConfigurationSource, key: string, init: { name: string; type: 'primary' | 'secondary' }, out: SignalREndpointsReport): void {
  const where = whereOf(config, key);
  try {
    out.endpoints.push(new ServiceEndpoint(parseSignalRConnectionString(config.get(key)!), { ...init, ...where }));
  } catch (err) {
    out.errors.push(withLocation(err, where));
  }
}

function addIdentity(config: SignalRConfigurationSource, base: string, name: string, out: SignalREndpointsReport): void {
  try {
    out.endpoints.push(identityEndpoint(config, base, name));
  } catch (err) {
    out.errors.push(withLocation(err, whereOf(config, combinePath(base, 'serviceUri'))));
  }
}

/** "None" and "no primary", as `readSignalREndpoints` reports them, naming the keys this form reads. */
function finish(report: SignalREndpointsReport, keysRead: string, key: string): SignalREndpointsReport {
  if (report.errors.length > 0) return report;
  if (report.endpoints.length === 0) {
    report.errors.push(new SignalREndpointsError(`No connection string was specified. Set ${keysRead}.`, 'SIGNALR_NO_ENDPOINT', { key }));
  } else if (!report.endpoints.some((e) => e.type === 'primary')) {
    const first = report.endpoints[0]!;
    report.errors.push(
      new SignalREndpointsError('No primary endpoint defined. Every endpoint found is secondary.', 'SIGNALR_NO_PRIMARY', {
        ...(first.key !== undefined ? { key: first.key } : {}),
        ...(first.provider !== undefined ? { provider: first.provider } : {}),
        ...(first.source !== undefined ? { source: first.source } : {}),
        keys: report.endpoints.flatMap((e) => (e.key !== undefined ? [e.key] : [])),
      }),
    );
  }
  return report;
}

/** The Functions extension's walk of an endpoints section: one level, identity-based entries first. */
function functionsEndpointsSection(config: SignalRConfigurationSource, section: string, out: SignalREndpointsReport): void {
  for (const child of config.getSection(section).getChildren()) {
    const base = combinePath(section, child.key);
    if (config.get(combinePath(base, 'serviceUri')) != null) {
      addIdentity(config, base, child.key, out);
      continue;
    }
    if (nonEmptyString(config.get(base))) addConnectionString(config, base, { name: child.key, type: 'primary' }, out);
    for (const type of ['primary', 'secondary'] as const) {
      const key = combinePath(base, type);
      if (nonEmptyString(config.get(key))) addConnectionString(config, key, { name: child.key, type }, out);
    }
  }
}

/** Every endpoint an Azure Functions app with this configuration would use, and every problem. */
export function readFunctionsSignalREndpoints(config: SignalRConfigurationSource, options: FunctionsEndpointsOptions = {}): SignalREndpointsReport {
  const setting = options.connectionStringSetting ?? FUNCTIONS_CONNECTION_SETTING;
  if (setting.trim() === '') throw new SignalREndpointsError("'connectionStringSetting' cannot be null or whitespace", 'SIGNALR_ENDPOINT');
  const report: SignalREndpointsReport = { endpoints: [], errors: [], configured: false };
  const fromConnectionStrings = combinePath('ConnectionStrings', setting);
  report.configured = [fromConnectionStrings, setting, SIGNALR_ENDPOINTS_KEY].some((k) => hasAny(config, k));

  // GetConnectionString(key) ?? config[key]: the ConnectionStrings: value wins, unlike ASP.NET Core.
  const csKey = config.get(fromConnectionStrings) != null ? fromConnectionStrings : config.get(setting) != null ? setting : undefined;
  if (csKey !== undefined && nonEmptyString(config.get(csKey))) addConnectionString(config, csKey, { name: '', type: 'primary' }, report);
  functionsEndpointsSection(config, SIGNALR_ENDPOINTS_KEY, report);
  if (csKey === undefined && config.get(combinePath(setting, 'serviceUri')) != null) addIdentity(config, setting, '', report);
  return finish(report, `'${setting}' (a connection string, or '${setting}:serviceUri' for an identity-based connection) or '${SIGNALR_ENDPOINTS_KEY}:<name>'`, setting);
}

/** The Functions endpoints, or the first problem as a typed error naming its key and provider. */
export function getFunctionsSignalREndpoints(config: SignalRConfigurationSource, options: FunctionsEndpointsOptions = {}): ServiceEndpoint[] {
  const report = readFunctionsSignalREndpoints(config, options);
  if (report.errors.length > 0) throw report.errors[0]! as ConfigurationError;
  return report.endpoints;
}

/** Every endpoint `AddNamedAzureSignalR(name)` would use, and every problem. */
export function readNamedSignalREndpoints(config: SignalRConfigurationSource, name: string): SignalREndpointsReport {
  if (name.trim() === '') throw new SignalREndpointsError("Value cannot be null or empty. (Parameter 'name')", 'SIGNALR_ENDPOINT');
  const section = combinePath('Azure:SignalR', name);
  const csKeys = [combinePath('ConnectionStrings', name), combinePath(section, 'ConnectionString'), combinePath('ConnectionStrings', section, 'ConnectionString')];
  const endpointsKey = combinePath(section, 'Endpoints');
  const report: SignalREndpointsReport = { endpoints: [], errors: [], configured: false };
  report.configured = [...csKeys, endpointsKey].some((k) => hasAny(config, k));

  const csKey = csKeys.find((k) => config.get(k) != null);
  if (csKey !== undefined && nonEmptyString(config.get(csKey))) addConnectionString(config, csKey, { name: '', type: 'primary' }, report);
  if (endpointsBelow(config, csKeys[1]!, report) === 0) endpointsBelow(config, csKeys[2]!, report);

  // The Management form under the named section: serviceUri entries are identity-based.
  for (const child of config.getSection(endpointsKey).getChildren()) {
    const base = combinePath(endpointsKey, child.key);
    if (nonEmptyString(config.get(combinePath(base, 'serviceUri')))) {
      addIdentity(config, base, child.key, report);
      continue;
    }
    if (nonEmptyString(config.get(base))) addConnectionString(config, base, { name: child.key, type: 'primary' }, report);
    for (const [relative, v] of config.getSection(base).entries({ makePathsRelative: true })) {
      if (!nonEmptyString(v)) continue;
      addConnectionString(config, combinePath(base, relative), parseEndpointName(combinePath(child.key, relative)), report);
    }
  }
  return finish(report, `'${csKeys[1]}' (or '${csKeys[0]}'), '${csKeys[1]}:<name>[:primary|secondary]' or '${endpointsKey}:<name>'`, csKeys[1]!);
}

/** The named registration's endpoints, or the first problem as a typed error. */
export function getNamedSignalREndpoints(config: SignalRConfigurationSource, name: string): ServiceEndpoint[] {
  const report = readNamedSignalREndpoints(config, name);
  if (report.errors.length > 0) throw report.errors[0]! as ConfigurationError;
  return report.endpoints;
}
