/**
 * Real-tool jest tests of the real-peer tier (`npm run test:real` runs test/real/run.ts, then these).
 * test/real/secrets.test.ts takes its providers from the Terraform CLI config in TF_CLI_CONFIG_FILE, as the
 * runner does, and reports "not run: <why>" without it.
 */
const base = require('./jest.config');

// The base config ignores test/real/ (plain `npm test`); this tier runs exactly the jest tests there.
module.exports = {
  ...base,
  roots: ['<rootDir>/test/real'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 600000,
};
