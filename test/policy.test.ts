/**
 * The security policy against hand-composed stacks: the library's constructs put together without
 * `Federation` (and so without spec validation), each rule broken once and suppressed once.
 */
import { generateKeyPairSync } from 'crypto';
import { Container } from '@cdktf/provider-docker/lib/container';
import { PrivateKey } from '@cdktf/provider-tls/lib/private-key';
import { LocationCertificate } from '../constructs/location-certificate';
import { renderUploads, ServiceContainer } from '../constructs/service-container';
import { StepCa } from '../constructs/step-ca';
import { KeyAlgorithm } from '../model/key-algorithm';
import { LoomNodeModel, NodeModel, SemStreamsNodeModel } from '../model/model';
import { loadSpecFile } from '../model/load';
import { tlsMinorVersion } from '../policy/config-checks';
import { PolicyError } from '../policy/finding';
import { PolicyRule } from '../policy/rules';
import { SecurityPolicyAspect } from '../policy/security-policy-aspect';
import { renderSemStreamsConfigFile } from '../render/semstreams-config';
import { exampleCopy } from './helpers';
import { HandScene, violationsOf } from './policy-helpers';

const REASON = 'accepted for this test, see the ticket';

/** Location-a (server) on site-a, with its certificate, built from `a` as given. */
function siteA(scene: HandScene, a: NodeModel = scene.node('location-a'), cert?: LocationCertificate): ServiceContainer {
  return scene.container(scene.site('site-a'), a, cert ?? scene.certificate(a, { clientAuth: false }));
}

function semstreams(scene: HandScene, id: string): SemStreamsNodeModel {
  return scene.node(id) as SemStreamsNodeModel;
}

/**
 * Synthesizes with the suppression and expects it to pass, the finding printed as a warning with the reason
 * and, for the rules whose waiver is most dangerous, with what the waiver accepts.
 */
function expectSuppressed(scene: HandScene, rule: PolicyRule, node: string, props: { production?: boolean } = {}) {
  const warnings: string[] = [];
  const { error, policy } = scene.synth(new SecurityPolicyAspect({ ...props, suppressions: [{ node, rule: rule.id, reason: REASON }], warn: (m) => warnings.push(m) }));
  expect(error).toBeUndefined();
  expect(policy.suppressed.map((f) => `${f.rule.id}@${f.node}`)).toContain(`${rule.id}@${node}`);
  const warning = warnings.find((w) => w.includes(rule.id) && w.includes(`node ${node}`) && w.includes(JSON.stringify(REASON)));
  expect(warning).toBeDefined();
  if (rule.riskWhenSuppressed) expect(warning).toContain(`this accepts that ${rule.riskWhenSuppressed}`);
}

describe('a correctly composed federation', () => {
  test('passes: a server, a client on another site, a Loom server, keys 0600 in their owners\' containers', () => {
    const scene = new HandScene();
    const a = scene.node('location-a');
    const b = scene.node('location-b');
    const loom = scene.node('loom');
    const siteA = scene.site('site-a');
    scene.container(siteA, a, scene.certificate(a, { clientAuth: false }));
    scene.container(siteA, loom, scene.certificate(loom, { clientAuth: false }));
    scene.container(scene.site('site-b'), b, scene.certificate(b));
    const { error, written, policy } = scene.synth({ production: true });
    expect(error).toBeUndefined();
    expect(policy.suppressed).toEqual([]);
    expect(written.filter((f) => f.endsWith('cdk.tf.json'))).toHaveLength(3);
  });
});

describe('FPKI-TLS-MIN-VERSION', () => {
  const build = () => {
    const scene = new HandScene();
    siteA(scene, { ...scene.node('location-a'), minVersion: '1.1' as never });
    return scene;
  };

  test('fires on a rendered min_version below 1.2', () => {
    const { error } = build().synth();
    expect(violationsOf(error)).toEqual(['FPKI-TLS-MIN-VERSION@location-a']);
    expect(error!.violations[0].message).toMatch(/security\.tls\.server\.min_version is "1\.1"/);
  });

  test('a suppression on the node waives it, the warning saying what that accepts', () => {
    expect(PolicyRule.TLS_MIN_VERSION.riskWhenSuppressed).toMatch(/TLS 1\.0\/1\.1/);
    expectSuppressed(build(), PolicyRule.TLS_MIN_VERSION, 'location-a');
  });

  test('reads the spellings of SemStreams, step-ca and Go', () => {
    expect([tlsMinorVersion('1.2'), tlsMinorVersion(1.2), tlsMinorVersion('1.3'), tlsMinorVersion('TLS1.0'), tlsMinorVersion('VersionTLS11'), tlsMinorVersion('SSLv3'), tlsMinorVersion('abc')])
      .toEqual([2, 2, 3, 0, 1, -1, undefined]);
  });
});

describe('FPKI-INSECURE-SKIP-VERIFY', () => {
  const build = () => {
    const scene = new HandScene();
    const b = semstreams(scene, 'location-b');
    scene.container(scene.site('site-b'), { ...b, insecureSkipVerify: true }, scene.certificate(b));
    return scene;
  };

  test('fires on a client that skips verification in tier manual', () => {
    const { error } = build().synth();
    expect(violationsOf(error)).toEqual(['FPKI-INSECURE-SKIP-VERIFY@location-b']);
  });

  test('a suppression on the node waives it', () => expectSuppressed(build(), PolicyRule.INSECURE_SKIP_VERIFY, 'location-b'));
});

describe('FPKI-PLAINTEXT-CROSS-SITE', () => {
  const tierNone = () => {
    const spec = exampleCopy();
    spec.tier = 'none';
    delete spec.sites[0].nodes[1].tls;
    return new HandScene(spec);
  };

  test('fires on a ws:// link to a node on another site', () => {
    const scene = tierNone();
    scene.container(scene.site('site-a'), scene.node('location-a'));
    scene.container(scene.site('site-b'), scene.node('location-b'));
    const { error } = scene.synth();
    expect(violationsOf(error)).toEqual(['FPKI-PLAINTEXT-CROSS-SITE@location-b']);
    expect(error!.violations[0]).toMatchObject({ site: 'location-b' });
    expect(error!.violations[0].message).toMatch(/ws:\/\/location-a\.semstreams\.local:9000\/ws/);
  });

  test('does not fire when both ends share a site (one stack, one network)', () => {
    const scene = tierNone();
    const site = scene.site('site-ab');
    scene.container(site, scene.node('location-a'));
    scene.container(site, scene.node('location-b'));
    expect(scene.synth().error).toBeUndefined();
  });

  test('a suppression on the dialing node waives it', () => {
    const scene = tierNone();
    scene.container(scene.site('site-a'), scene.node('location-a'));
    scene.container(scene.site('site-b'), scene.node('location-b'));
    expectSuppressed(scene, PolicyRule.PLAINTEXT_CROSS_SITE, 'location-b');
  });
});

describe('FPKI-CLIENT-CERT-NOT-REQUIRED', () => {
  const optional = (scene: HandScene) => {
    const a = semstreams(scene, 'location-a');
    siteA(scene, { ...a, output: { ...a.output!, requireClientCert: false } });
  };

  test('fires in production on require_client_cert: false', () => {
    const scene = new HandScene();
    optional(scene);
    const { error } = scene.synth({ production: true });
    expect(violationsOf(error)).toEqual(['FPKI-CLIENT-CERT-NOT-REQUIRED@location-a']);
  });

  test('fires in production on a server with mTLS off, and on Loom without client certificates', () => {
    const scene = new HandScene();
    const a = semstreams(scene, 'location-a');
    const loom = scene.node('loom');
    const site = scene.site('site-a');
    scene.container(site, { ...a, output: { ...a.output!, mtls: false, requireClientCert: false, allowedClientCns: [] } }, scene.certificate(a, { clientAuth: false }));
    // Loom owning its ports (no gateway), in manual mode without client certificates.
    scene.container(site, { ...loom, gateway: undefined, tls: { mode: 'manual', mtls: false, requireClientCert: false } } as NodeModel, scene.certificate(loom, { clientAuth: false }));
    expect(violationsOf(scene.synth({ production: true }).error)).toEqual(['FPKI-CLIENT-CERT-NOT-REQUIRED@location-a', 'FPKI-CLIENT-CERT-NOT-REQUIRED@loom']);
  });

  test('fires in production on a Loom gateway that does not require client certificates, once per published port', () => {
    const scene = new HandScene();
    const loom = scene.node('loom') as LoomNodeModel;
    scene.loomGateway(scene.site('site-a'), { ...loom, tls: { mode: 'manual', mtls: false, requireClientCert: false }, gateway: { ...loom.gateway!, mtls: false } }, scene.certificate(loom, { clientAuth: false }));
    const { error } = scene.synth({ production: true });
    expect(violationsOf(error)).toEqual(['FPKI-CLIENT-CERT-NOT-REQUIRED@loom']);
    expect(error!.violations.map((v) => v.message)).toEqual([expect.stringMatching(/frontend loom-grpc does not require/), expect.stringMatching(/frontend loom-http does not require/)]);
  });

  test('the example\'s Loom gateway passes in production (client certificates required, an allow-list, its own key)', () => {
    const scene = new HandScene();
    const loom = scene.node('loom');
    scene.loomGateway(scene.site('site-a'), loom, scene.certificate(loom, { clientAuth: false }));
    expect(scene.synth({ production: true }).error).toBeUndefined();
  });

  test('does not fire outside production (gradual rollout)', () => {
    const scene = new HandScene();
    optional(scene);
    expect(scene.synth().error).toBeUndefined();
  });

  test('a suppression on the node waives it', () => {
    const scene = new HandScene();
    optional(scene);
    expectSuppressed(scene, PolicyRule.CLIENT_CERT_NOT_REQUIRED, 'location-a', { production: true });
  });
});

describe('FPKI-EMPTY-CLIENT-CN-ALLOWLIST', () => {
  const emptyList = (scene: HandScene) => {
    const a = semstreams(scene, 'location-a');
    siteA(scene, { ...a, output: { ...a.output!, allowedClientCns: [] } });
  };

  test('fires on a Loom gateway with an empty allow-list (allowedClients: []), on both ports', () => {
    const scene = new HandScene();
    const loom = scene.node('loom') as LoomNodeModel;
    scene.loomGateway(scene.site('site-a'), { ...loom, gateway: { ...loom.gateway!, allowedClients: [] } }, scene.certificate(loom, { clientAuth: false }));
    const { error } = scene.synth();
    expect(violationsOf(error)).toEqual(['FPKI-EMPTY-CLIENT-CN-ALLOWLIST@loom']);
    expect(error!.violations).toHaveLength(2);
    expect(error!.violations[0].message).toMatch(/haproxy\.cfg: frontend loom-grpc verifies client certificates but admits no subject/);
  });

  test('fires on mTLS with an empty allowed_client_cns (validation prevents it in a spec)', () => {
    const scene = new HandScene();
    emptyList(scene);
    const { error } = scene.synth();
    expect(violationsOf(error)).toEqual(['FPKI-EMPTY-CLIENT-CN-ALLOWLIST@location-a']);
  });

  test('a suppression on the node waives it', () => {
    const scene = new HandScene();
    emptyList(scene);
    expectSuppressed(scene, PolicyRule.EMPTY_CLIENT_CN_ALLOWLIST, 'location-a');
  });
});

describe('FPKI-RSA-KEY-SIZE', () => {
  const build = () => {
    const scene = new HandScene();
    const a = scene.node('location-a');
    const cert = scene.certificate(a, { clientAuth: false, keyAlgorithm: KeyAlgorithm.RSA_2048 });
    (cert.node.findChild('request').node.findChild('key') as PrivateKey).addOverride('rsa_bits', 1024);
    siteA(scene, a, cert);
    return scene;
  };

  test('fires on an RSA key below 2048 bits (a construct bug: the key algorithm overridden), naming the node holding it', () => {
    const { error } = build().synth();
    expect(violationsOf(error)).toEqual(['FPKI-RSA-KEY-SIZE@location-a']);
    expect(error!.violations[0].message).toMatch(/RSA with 1024 bits/);
  });

  test('RSA 2048 passes', () => {
    const scene = new HandScene();
    const a = scene.node('location-a');
    siteA(scene, a, scene.certificate(a, { clientAuth: false, keyAlgorithm: KeyAlgorithm.RSA_2048 }));
    expect(scene.synth().error).toBeUndefined();
  });

  test('a suppression on the node holding the key waives it, the warning saying what that accepts', () => {
    expect(PolicyRule.RSA_KEY_SIZE.riskWhenSuppressed).toMatch(/factored/);
    expectSuppressed(build(), PolicyRule.RSA_KEY_SIZE, 'location-a');
  });
});

describe('FPKI-LEAF-VALIDITY', () => {
  const longLived = (scene: HandScene, days: number) => {
    const a = scene.node('location-a');
    siteA(scene, a, scene.certificate(a, { clientAuth: false, validityHours: days * 24 }));
  };

  test('fires in production on a deployed certificate valid for more than 90 days', () => {
    const scene = new HandScene();
    longLived(scene, 365);
    const { error } = scene.synth({ production: true });
    expect(violationsOf(error)).toEqual(['FPKI-LEAF-VALIDITY@location-a']);
    expect(error!.violations[0].message).toMatch(/valid for 365 days/);
  });

  test('90 days passes in production; 365 days passes outside it', () => {
    const ninety = new HandScene();
    longLived(ninety, 90);
    expect(ninety.synth({ production: true }).error).toBeUndefined();
    const year = new HandScene();
    longLived(year, 365);
    expect(year.synth().error).toBeUndefined();
  });

  test('fires on a Loom self-signed certificate for longer than 90 days (Loom issues it itself)', () => {
    const scene = new HandScene();
    const loom = scene.node('loom');
    scene.container(scene.site('site-a'), { ...loom, gateway: undefined, tls: { mode: 'self-signed', hostnames: [loom.fqdn], ipAddresses: [], validityDays: 365, organization: 'x' } } as NodeModel);
    expect(violationsOf(scene.synth({ production: true }).error)).toEqual(['FPKI-LEAF-VALIDITY@loom']);
  });

  test('a suppression on the node waives it', () => {
    const scene = new HandScene();
    longLived(scene, 365);
    expectSuppressed(scene, PolicyRule.LEAF_VALIDITY, 'location-a', { production: true });
  });
});

describe('FPKI-KEY-FILE-MODE', () => {
  /** A construct bug: the key's upload block rewritten with another mode (or none). */
  const badMode = (scene: HandScene, permissions: string | undefined) => {
    const a = scene.node('location-a');
    const cert = scene.certificate(a, { clientAuth: false });
    const sc = siteA(scene, a, cert);
    const uploads = renderUploads(a, renderSemStreamsConfigFile(a as SemStreamsNodeModel, scene.model), scene.ca.certPem, cert)
      .map((u) => (u.file === a.paths.keyFile ? { file: u.file, content: u.content, ...(permissions ? { permissions } : {}) } : u));
    (sc.node.findChild('container') as Container).addOverride('upload', uploads);
  };

  test.each([['0644'], ['0640'], [undefined]])('fires on a key uploaded with mode %s', (mode) => {
    const scene = new HandScene();
    badMode(scene, mode);
    const { error } = scene.synth();
    expect(violationsOf(error)).toEqual(['FPKI-KEY-FILE-MODE@location-a']);
    expect(error!.violations[0].message).toMatch(/private key \/certs\/location-a-key\.pem is uploaded with mode/);
  });

  test('fires on a key recognized only because the config names it as key_file (a file source)', () => {
    const scene = new HandScene();
    const a = scene.node('location-a');
    const sc = siteA(scene, a);
    const config = renderSemStreamsConfigFile(a as SemStreamsNodeModel, scene.model);
    (sc.node.findChild('container') as Container).addOverride('upload', [
      { file: a.paths.configFile, content: config, permissions: '0644' },
      { file: a.paths.keyFile, source: 'secrets/location-a-key.pem', permissions: '0644' },
    ]);
    expect(violationsOf(scene.synth().error)).toEqual(['FPKI-KEY-FILE-MODE@location-a']);
  });

  test('fires on literal PEM key text, wherever it is uploaded (a key generated here, never stored)', () => {
    const scene = new HandScene();
    const a = scene.node('location-a');
    const sc = siteA(scene, a);
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    (sc.node.findChild('container') as Container).addOverride('upload', [{ file: '/tmp/extra.pem', content: pem, permissions: '0644' }]);
    const { error } = scene.synth();
    expect(violationsOf(error)).toEqual(['FPKI-KEY-FILE-MODE@location-a']);
    expect(error!.message).not.toContain('PRIVATE KEY');
  });

  test('a suppression on the node waives it', () => {
    const scene = new HandScene();
    badMode(scene, '0640');
    expectSuppressed(scene, PolicyRule.KEY_FILE_MODE, 'location-a');
  });
});

describe('FPKI-KEY-OWNER', () => {
  const build = () => {
    const scene = new HandScene();
    siteA(scene, scene.node('location-a'), scene.certificate(scene.node('location-b')));
    return scene;
  };

  test('fires when a container receives another node\'s key', () => {
    const { error } = build().synth();
    expect(violationsOf(error)).toEqual(['FPKI-KEY-OWNER@location-a']);
    expect(error!.violations[0].message).toMatch(/private key of location-b\.semstreams\.local/);
  });

  test('a suppression on the receiving node waives it, the warning saying what that accepts', () => {
    expect(PolicyRule.KEY_OWNER.riskWhenSuppressed).toMatch(/impersonate/);
    expectSuppressed(build(), PolicyRule.KEY_OWNER, 'location-a');
  });
});

describe('FPKI-CA-KEY-IN-SITE-STACK', () => {
  const rogue = () => {
    const scene = new HandScene();
    const site = scene.site('site-a');
    new Container(site.stack, 'rogue', {
      name: 'rogue', image: site.image.imageId,
      upload: [{ file: '/secrets/ca.key', content: scene.ca._privateKeyPem, permissions: '0600' }],
    });
    return scene;
  };

  test('fires when a site stack references the root key (through the pki stack\'s state)', () => {
    const { error } = rogue().synth();
    expect(violationsOf(error)).toEqual(['FPKI-CA-KEY-IN-SITE-STACK@rogue']);
    expect(error!.violations[0].message).toMatch(/stack site-a deploys containers and references the private key of the root CA "hand root"/);
  });

  test('fires when one stack holds the CA and the containers (the CA key would live in a site\'s state)', () => {
    const scene = new HandScene();
    const a = scene.node('location-a');
    scene.container(scene.site(scene.pki), a, scene.certificate(a, { clientAuth: false }));
    const { error } = scene.synth();
    expect(error!.violations.every((v) => v.rule === PolicyRule.CA_KEY_IN_SITE_STACK)).toBe(true);
    expect(error!.violations.map((v) => v.path).sort()).toEqual(['pki/ca/cert', 'pki/cert-location-a-0/cert']);
  });

  test('fires when step-ca is handed the root key; its own intermediate is the only CA key a container may hold', () => {
    const scene = new HandScene(resolveAcmeSpec());
    const site = scene.site('step-ca');
    new StepCa(site.stack, 'step-ca', {
      model: scene.model.stepCa!, network: site.network, image: site.image, rootCertPem: scene.ca.certPem,
      intermediate: { certPem: scene.ca.certPem, privateKeyPem: scene.ca._privateKeyPem },
    });
    const { error } = scene.synth();
    expect(violationsOf(error)).toEqual(['FPKI-CA-KEY-IN-SITE-STACK@semstreams-step-ca']);
  });

  test('a suppression on the node waives it, the warning saying what that accepts', () => {
    expect(PolicyRule.CA_KEY_IN_SITE_STACK.riskWhenSuppressed).toMatch(/sign certificates for every node/);
    expectSuppressed(rogue(), PolicyRule.CA_KEY_IN_SITE_STACK, 'rogue');
  });
});

describe('suppressions and reports', () => {
  test('a suppression naming an unknown rule, or without a written reason, fails construction', () => {
    expect(() => new SecurityPolicyAspect({ suppressions: [{ node: 'a', rule: 'FPKI-NO-SUCH-RULE', reason: REASON }] }))
      .toThrow(/node a, suppression of "FPKI-NO-SUCH-RULE": no such rule/);
    expect(() => new SecurityPolicyAspect({ suppressions: [{ node: 'a', rule: PolicyRule.KEY_FILE_MODE.id, reason: 'because' }] }))
      .toThrow(/needs a written reason/);
    expect(() => new SecurityPolicyAspect({ suppressions: [{ node: 'a', rule: 'x', reason: '' }] })).toThrow(PolicyError);
  });

  test('every violation is listed, across stacks, and nothing is written', () => {
    const scene = new HandScene();
    const a = semstreams(scene, 'location-a');
    const b = semstreams(scene, 'location-b');
    siteA(scene, { ...a, output: { ...a.output!, allowedClientCns: [] } });
    scene.container(scene.site('site-b'), { ...b, insecureSkipVerify: true, minVersion: '1.0' as never }, scene.certificate(b));
    const { error, written } = scene.synth();
    expect(violationsOf(error)).toEqual([
      'FPKI-EMPTY-CLIENT-CN-ALLOWLIST@location-a', 'FPKI-INSECURE-SKIP-VERIFY@location-b', 'FPKI-TLS-MIN-VERSION@location-b',
    ]);
    expect(error!.message).toMatch(/^security policy: 4 violations/);
    expect(error!.message).toContain('site location-b, node location-b, FPKI-TLS-MIN-VERSION: /etc/semstreams/config.json: security.tls.client.min_version is "1.0"');
    expect(written.filter((f) => f.endsWith('cdk.tf.json'))).toEqual([]);
  });

  test('a suppression on another node, or of another rule, does not waive a finding; unused ones are reported', () => {
    const scene = new HandScene();
    const a = semstreams(scene, 'location-a');
    siteA(scene, { ...a, output: { ...a.output!, allowedClientCns: [] } });
    const warnings: string[] = [];
    const { error } = scene.synth(new SecurityPolicyAspect({
      warn: (m) => warnings.push(m),
      suppressions: [
        { node: 'location-b', rule: PolicyRule.EMPTY_CLIENT_CN_ALLOWLIST.id, reason: REASON },
        { node: 'location-a', rule: PolicyRule.KEY_FILE_MODE.id, reason: REASON },
      ],
    }));
    expect(violationsOf(error)).toEqual(['FPKI-EMPTY-CLIENT-CN-ALLOWLIST@location-a']);
    expect(warnings).toEqual([
      'security policy: the suppression of FPKI-EMPTY-CLIENT-CN-ALLOWLIST on node location-b matched no finding',
      'security policy: the suppression of FPKI-KEY-FILE-MODE on node location-a matched no finding',
    ]);
  });

  test('a stack without the aspect is not checked; the rule ids are stable', () => {
    const scene = new HandScene();
    const a = semstreams(scene, 'location-a');
    siteA(scene, { ...a, output: { ...a.output!, allowedClientCns: [] } });
    // Only the pki stack carries it: the bad container's stack is someone else's concern.
    expect(scene.synth({}, ['pki']).error).toBeUndefined();
    expect(PolicyRule.ALL.map((r) => r.id)).toEqual([
      'FPKI-TLS-MIN-VERSION', 'FPKI-INSECURE-SKIP-VERIFY', 'FPKI-PLAINTEXT-CROSS-SITE', 'FPKI-CLIENT-CERT-NOT-REQUIRED',
      'FPKI-EMPTY-CLIENT-CN-ALLOWLIST', 'FPKI-RSA-KEY-SIZE', 'FPKI-LEAF-VALIDITY', 'FPKI-KEY-FILE-MODE', 'FPKI-KEY-OWNER', 'FPKI-CA-KEY-IN-SITE-STACK',
    ]);
  });
});

function resolveAcmeSpec(): any {
  return loadSpecFile('examples/three-locations-acme.yaml');
}
