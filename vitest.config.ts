import { defineConfig } from 'vitest/config';

// Two populations: unit tests need nothing; integration tests (conformance and examples included) need root
// and the built dist/bin, and run one file at a time because they share the kernel.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['cmd/**/*.test.ts', 'lib/**/*.test.ts', 'plugins/**/*.test.ts', 'conformance/**/*.test.ts', 'e2e/**/*.test.ts', 'scripts/**/*.test.ts', 'tests/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          // A few unit tests start small processes (the runtime's fake plugins, the bundles); on a
          // loaded 2-core machine those took 5-12 s and hit vitest's 5 s default.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['lib/**/*.int.test.ts', 'plugins/**/*.int.test.ts', 'conformance/**/*.int.test.ts', 'examples/**/*.int.test.ts', 'scripts/**/*.int.test.ts', 'tests/**/*.int.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
