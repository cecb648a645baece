/**
 * `report --diff`: every container the next deploy replaces, and why, from the two synths or from a
 * Terraform plan (`terraform show -json`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { resolveFederation } from '../model/resolve';
import {
  ContainerReplacement, diffOfSpecs, replacementsFromPlan, replacementsFromStacks, synthesizeStacks, TerraformPlanJson,
} from '../report';
import { exampleCopy, runCliCaptured } from './helpers';

/** Replacements between two specs, as `report --diff` derives them from the synthesized stacks. */
function replaced(before: any, after: any, extra: { reissued?: string[]; rootReplaced?: boolean } = {}): ContainerReplacement[] {
  return replacementsFromStacks(synthesizeStacks(before), synthesizeStacks(after), {
    before: resolveFederation(before), after: resolveFederation(after),
    reissuedCertificates: new Set(extra.reissued ?? []), rootReplaced: extra.rootReplaced ?? false,
  });
}
const causes = (r: readonly ContainerReplacement[]) => r.map((c) => `${c.container}: ${c.reasons.map((x) => x.cause).join(', ')}`);

describe('replacements from the synthesized stacks', () => {
  test('the same spec replaces nothing', () => {
    expect(replaced(exampleCopy(), exampleCopy())).toEqual([]);
  });

  test('a new site dialing location-a replaces location-a: its allow-list gains the new CN (issue 16)', () => {
    const after = exampleCopy();
    after.sites.push({ id: 'location-d', nodes: [{ id: 'location-d', kind: 'semstreams', fqdn: 'location-d.semstreams.local' }] });
    after.links.push({ from: 'location-a', to: 'location-d' });
    const r = replaced(exampleCopy(), after);
    expect(causes(r)).toEqual(['semstreams-location-a: allow-list']);
    expect(r[0].siteId).toBe('location-a');
    expect(r[0].reasons[0].detail).toBe('allowed_client_cns gains location-d.semstreams.local');
    // The report as a whole: one added, one replaced.
    expect(diffOfSpecs(exampleCopy(), after)).toContain('Containers: 2 added, 0 removed, 1 replaced');
  });

  test('Loom\'s gateway containers are listed under their site, not their stack', () => {
    const after = exampleCopy();
    after.images = { loomGateway: 'haproxy:2.6.13' };
    const r = replaced(exampleCopy(), after);
    const gateway = r.filter((c) => /gateway|netns/.test(c.container));
    expect(gateway.map((c) => c.container).sort()).toEqual(['semstreams-loom-gateway', 'semstreams-loom-netns']);
    for (const c of gateway) expect(c.siteId).toBe('location-a');
  });

  test('a re-issued certificate, a new image and a new port each name their cause', () => {
    const after = exampleCopy();
    after.sites[1].nodes[0].sans = { dns: ['hub.semstreams.local'] };
    after.sites[1].nodes[0].output.port = 9101;
    after.images = { nats: 'nats:2.11-alpine' };
    const r = replaced(exampleCopy(), after, { reissued: ['location-b'] });
    expect(causes(r)).toEqual([
      'semstreams-location-a-nats: image',
      'semstreams-location-b: ports, config, certificate, other',
      // B's and C's configs name the moved port: their NATS get a fresh store (a new command), so the new config wins.
      'semstreams-location-b-nats: image, command',
      'semstreams-location-c: config',
      'semstreams-location-c-nats: image, command',
    ]);
    const b = r.find((c) => c.container === 'semstreams-location-b')!;
    expect(b.reasons.map((x) => x.detail)).toEqual([
      '9001 → 9101',
      '/etc/semstreams/config.json: components.federation-output.config.ports.outputs, version',
      '/certs/location-b-cert.pem: re-issued by the pki stack from the site keys stack\'s new CSR (the key at /certs/location-b-key.pem is kept unless the key algorithm changed)',
      'networks_advanced (networks or DNS aliases)',
    ]);
    expect(r.find((c) => c.container === 'semstreams-location-a-nats')!.reasons[0].detail).toBe('nats:2.10-alpine → nats:2.11-alpine');
  });

  test('a new root replaces every container holding the CA file', () => {
    const after = exampleCopy();
    after.ca.keyAlgorithm = 'ECDSA_P384';
    const r = replaced(exampleCopy(), after, { reissued: ['location-a', 'loom', 'location-b', 'location-c'], rootReplaced: true });
    expect(r.map((c) => c.container)).toEqual(['semstreams-location-a', 'semstreams-loom', 'semstreams-location-b', 'semstreams-location-c']);
    for (const c of r) expect(c.reasons.map((x) => x.cause)).toEqual(['certificate', 'CA certificate']);
  });

  test('diffOfSpecs finds the certificate re-issue itself, and the report lists each cause on a row', () => {
    const after = exampleCopy();
    after.sites[2].nodes[0].sans = { ip: ['10.0.0.3'] };
    const d = diffOfSpecs(exampleCopy(), after);
    expect(d).toContain('| `location-c` | `semstreams-location-c` | certificate | /certs/location-c-cert.pem: re-issued by the pki stack');
  });
});

/** A docker_container entry of `terraform show -json`, in the shape Terraform 1.x emits. */
function containerChange(name: string, actions: string[], before: any, after: any, replacePaths?: (string | number)[][]) {
  return {
    address: `docker_container.${name}`, mode: 'managed', type: 'docker_container', name, provider_name: 'registry/kreuzwerker/docker',
    change: {
      actions, before, after, after_unknown: { id: true }, before_sensitive: { upload: [{}, { content: true }] }, after_sensitive: { upload: [{}, { content: true }] },
      ...(replacePaths ? { replace_paths: replacePaths } : {}),
    },
    ...(replacePaths ? { action_reason: 'replace_because_cannot_update' } : {}),
  };
}

describe('replacements from a Terraform plan', () => {
  const model = resolveFederation(exampleCopy());
  const config = (cns: string[]) => JSON.stringify({ components: { out: { config: { security: { tls: { server: { mtls: { allowed_client_cns: cns } } } } } } } });
  const containerA = (cns: string[], cert: string, image: string) => ({
    name: 'semstreams-location-a', image, ports: [{ internal: 9000, external: 9000 }], env: [],
    upload: [
      { file: '/etc/semstreams/config.json', content: config(cns), permissions: '0644' },
      { file: '/certs/location-a-cert.pem', content: cert, permissions: '0644' },
    ],
  });
  const plan: TerraformPlanJson = {
    resource_changes: [
      containerChange('node-location-a', ['delete', 'create'],
        containerA(['location-b.semstreams.local'], '-----BEGIN CERTIFICATE-----\nOLD\n-----END CERTIFICATE-----\n', 'sha256:aaa'),
        containerA(['location-b.semstreams.local', 'location-d.semstreams.local'], '-----BEGIN CERTIFICATE-----\nNEW\n-----END CERTIFICATE-----\n', 'sha256:aaa'),
        [['upload']]),
      containerChange('node-loom', ['create', 'delete'], { name: 'semstreams-loom', image: 'sha256:111', env: ['A=1'] }, { name: 'semstreams-loom', image: 'sha256:222', env: ['A=2'] }, [['image'], ['env']]),
      // Updated in place, created and deleted: not replacements.
      containerChange('nats', ['update'], { name: 'semstreams-nats-location-a', restart: 'no' }, { name: 'semstreams-nats-location-a', restart: 'unless-stopped' }),
      containerChange('node-new', ['create'], null, { name: 'semstreams-location-d' }),
      // Another resource type that is replaced.
      { address: 'tls_locally_signed_cert.location-a', type: 'tls_locally_signed_cert', change: { actions: ['delete', 'create'], before: {}, after: {}, replace_paths: [['cert_request_pem']] } },
    ],
  };

  test('every delete-and-create container, with the cause of each replace path', () => {
    const r = replacementsFromPlan([plan], model);
    expect(r.map((c) => [c.siteId, c.container, c.reasons.map((x) => `${x.cause}: ${x.detail}`)])).toEqual([
      ['location-a', 'semstreams-location-a', [
        'certificate: /certs/location-a-cert.pem changes',
        'allow-list: allowed_client_cns gains location-d.semstreams.local',
      ]],
      ['location-a', 'semstreams-loom', ['image: sha256:111 → sha256:222', 'env: variables A']],
    ]);
  });

  test('no certificate, key or environment value reaches the report', () => {
    const text = JSON.stringify(replacementsFromPlan([plan], model));
    expect(text).not.toContain('BEGIN CERTIFICATE');
    expect(text).not.toContain('A=2');
  });

  test('a replacement without replace_paths is still listed', () => {
    const bare = { resource_changes: [{ ...containerChange('node-location-b', ['delete', 'create'], { name: 'semstreams-location-b' }, { name: 'semstreams-location-b' }), action_reason: 'replace_by_request' }] };
    expect(replacementsFromPlan([bare], model)).toEqual([
      { siteId: 'location-b', container: 'semstreams-location-b', reasons: [{ cause: 'other', detail: 'Terraform plans a replacement (replace_by_request)' }] },
    ]);
  });

  describe('the CLI: report --diff OLD NEW --plan PLAN', () => {
    let dir: string;
    beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'fpki-plan-')); });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const run = (...args: string[]) => runCliCaptured(['report', ...args]);

    test('reads the replacements from the plan', async () => {
      writeFileSync(join(dir, 'spec.json'), JSON.stringify(exampleCopy()));
      writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
      const r = await run('--diff', join(dir, 'spec.json'), join(dir, 'spec.json'), '--plan', join(dir, 'plan.json'));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Containers: 0 added, 0 removed, 2 replaced');
      expect(r.stdout).toContain('| `location-a` | `semstreams-location-a` | allow-list | allowed_client_cns gains location-d.semstreams.local |');
    });

    test('a file that is not a plan is refused by name', async () => {
      writeFileSync(join(dir, 'spec.json'), JSON.stringify(exampleCopy()));
      const r = await run('--diff', join(dir, 'spec.json'), join(dir, 'spec.json'), '--plan', join(dir, 'spec.json'));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`--plan ${join(dir, 'spec.json')}: no resource_changes array`);
    });
  });
});
