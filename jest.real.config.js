/** Real-tool tests that need the Terraform providers (`npm run test:terraform`; test/real/secrets.test.ts takes them from FPKI_PROVIDER_MIRROR). */
const base = require('./jest.config');

// The base config ignores test/real/ (plain `npm test`); this tier runs exactly those.
module.exports = { ...base, roots: ['<rootDir>/test/real'], testPathIgnorePatterns: ['/node_modules/'], testTimeout: 600000 };
