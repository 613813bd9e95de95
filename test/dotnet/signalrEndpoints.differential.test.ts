import { ConfigurationBuilder } from '../../src/builder.js';
import { distinctEndpoints, getSignalREndpoints } from '../../src/binders/signalr/endpoints.js';
import { SIGNALR_SECRETS, signalrEndpointsCase, type SignalREndpointsCase } from './generators/signalr.js';
import { differentialSuite, type AreaSpec } from './harness.js';
import type { OracleAnswer } from './oracle.js';


interface EndpointsAnswer {
  error?: string;
  endpoints?: Array<{ name: string; type: string; endpoint: string }>;
}

function errorOf(message: string): string {
  if (message.includes('No connection string was specified')) return 'none';
  if (message.includes('No primary endpoint defined')) return 'no-primary';
  return 'invalid';
}

/** The SDK keeps endpoints in a dictionary, so order is not part of the answer: sorted on both sides. */
const sorted = (list: Array<{ name: string; type: string; endpoint: string }>) =>
  [...list].sort((a, b) => `${a.name}|${a.type}|${a.endpoint}`.localeCompare(`${b.name}|${b.type}|${b.endpoint}`));

export function theirs(a: OracleAnswer): EndpointsAnswer {
  if (a.error) return { error: errorOf(a.error.message) };
  return { endpoints: sorted(a.endpoints as Array<{ name: string; type: string; endpoint: string }>) };
}

export async function ours(c: SignalREndpointsCase): Promise<EndpointsAnswer> {
  const config = await new ConfigurationBuilder().addInMemory(c.pairs).build();
  try {
    return { endpoints: sorted(distinctEndpoints(getSignalREndpoints(config)).map((e) => ({ name: e.name, type: e.type, endpoint: e.connection.endpoint }))) };
  } catch (err) {
    return { error: errorOf((err as Error).message) };
  } finally {
    await config.dispose();
  }
}

const spec: AreaSpec<SignalREndpointsCase> = {
  area: 'signalrEndpoints',
  arbitrary: signalrEndpointsCase,
  toOracle: (c) => ({ area: 'signalrEndpoints', pairs: c.pairs }),
  theirs: (a) => theirs(a),
  ours,
  secrets: () => SIGNALR_SECRETS,
};

differentialSuite('Microsoft.Azure.SignalR endpoint sets from configuration against ours', 'signalr endpoints', spec, 'test/dotnet/signalrEndpoints.differential.test.ts');
