import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the .NET oracle of the differential suite once per run (test/dotnet).
    globalSetup: ['test/dotnet/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Servers (emulators, redis-server) bind free loopback ports, so files can run in parallel;
    // the machine has two cores, so keep the pool small and timings honest.
    maxWorkers: 2,
  },
});
