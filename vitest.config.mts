import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 30000,
    hookTimeout: 30000,
    pool: 'forks',
    // Starts a throwaway PostgreSQL cluster when ROSTER_TEST_STORE=postgres (nothing otherwise).
    globalSetup: ['test/support/postgres.ts'],
  },
});
