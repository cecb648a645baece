/** Real-tool tests that need the Terraform providers from scripts/install-toolchain.sh (`npm run test:terraform`). */
const base = require('./jest.config');

module.exports = { ...base, roots: ['<rootDir>/test/real'], testTimeout: 600000 };
