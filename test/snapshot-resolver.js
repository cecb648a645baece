const path = require('path');

const root = path.join(__dirname, '..');
const dir = path.join(root, '__snapshots__');

module.exports = {
  resolveSnapshotPath: (testPath, ext) => path.join(dir, path.relative(path.join(root, 'test'), testPath) + ext),
  resolveTestPath: (snapshotPath, ext) => path.join(root, 'test', path.relative(dir, snapshotPath).slice(0, -ext.length)),
  testPathForConsistencyCheck: path.join(root, 'test', 'example.test.ts'),
};
