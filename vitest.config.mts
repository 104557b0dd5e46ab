import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // Generous: suites that sign several people in (scrypt) in one hook took close to 30 s on a
    // shared 2-core machine, and the PostgreSQL run adds a network round trip per statement.
    testTimeout: 60000,
    hookTimeout: 60000,
    pool: 'forks',
    // Starts a throwaway PostgreSQL cluster when ROSTER_TEST_STORE=postgres (nothing otherwise).
    globalSetup: ['test/support/postgres.ts'],
  },
});
