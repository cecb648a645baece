/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/real/ is the real-peer tier, a runner of its own: `npm run test:real`.
  testPathIgnorePatterns: ['/node_modules/', '/test/real/'],
  // Snapshots live in the top-level __snapshots__/ folder, reviewed like code.
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 120000,
};
