import { natsStoreKey, renderNatsCommand } from '../render/nats-command';

describe('renderNatsCommand', () => {
  const argv = renderNatsCommand('semstreams-location-a-nats', 'abc');

  test('runs JetStream from flags alone, its store under the volume, keyed', () => {
    // SemStreams exits at boot without JetStream; the image's default config cannot enable it.
    expect(argv).toEqual(['-js', '-sd', '/data/jetstream-abc', '-n', 'semstreams-location-a-nats', '-p', '4222']);
    expect(argv).not.toContain('--config');
  });

  test('starts with a flag, so both official entrypoints (alpine script, scratch server) run nats-server', () => {
    expect(argv[0].startsWith('-')).toBe(true);
  });
});

describe('natsStoreKey', () => {
  test('changes with any config version and not otherwise', () => {
    const k = natsStoreKey(['1.0.1', '1.0.2']);
    expect(natsStoreKey(['1.0.1', '1.0.2'])).toBe(k);
    expect(natsStoreKey(['1.0.1', '1.0.3'])).not.toBe(k);
    expect(natsStoreKey(['1.0.1'])).not.toBe(k);
    expect(k).toMatch(/^[0-9a-f]{16}$/);
  });
});
