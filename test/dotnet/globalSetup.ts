/**
 * Vitest global setup: builds the .NET oracle once per run (skipped when its sources are unchanged)
 * and hands the outcome to the differential suites through `inject('dotnetOracle')`.
 */
import type { TestProject } from 'vitest/node';
import { buildOracle, REQUIRE_DOTNET_VARIABLE, type OracleStatus } from './oracle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dotnetOracle: OracleStatus;
  }
}

export default function setup(project: TestProject): void {
  const status = buildOracle();
  if (!status.available && process.env[REQUIRE_DOTNET_VARIABLE]) {
    throw new Error(`${REQUIRE_DOTNET_VARIABLE} is set, but the differential suite cannot run: ${status.reason}`);
  }
  if (!status.available) console.log(`[differential] NOT RUN: ${status.reason}\n(the comparison with real .NET needs the .NET 10 SDK: docs/differential.md)`);
  project.provide('dotnetOracle', status);
}
