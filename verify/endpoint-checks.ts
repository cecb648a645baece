/**
 * The guides' test steps against one TLS endpoint, automated: `openssl s_client -CAfile` (handshake, names,
 * dates), a TLS 1.1 attempt, and the mTLS curl trio (no certificate, unauthorized certificate, permitted
 * certificate) plus a foreign-CA impostor.
 */
import { X509Certificate } from 'crypto';
import { checkServerIdentity, PeerCertificate } from 'tls';
import { admissionOf } from './admission';
import { IssuedIdentity } from './issue';
import { explainRefusal, explainServerCertificate, GUIDE } from './messages';
import { grpcProbe } from './grpc-probe';
import { httpProbeRequest, probe, ProbeOutcome } from './probe';
import { CheckId, CheckResult, result } from './result';
import { classifyServedCertificate, presentedCertificates, ServedCertificate } from './served-certificate';
import { CertificateSources, VerifyTarget } from './targets';

/** A client certificate the operator gave, with the CN read from it. */
export interface ClientIdentity extends IssuedIdentity {
  readonly commonName: string;
}

export interface EndpointCheckInputs {
  /** The federation root, PEM. */
  readonly ca: string;
  /** Permitted clients (`--client-cert/--client-key`); each target uses the first its allow-list admits. */
  readonly clients: readonly ClientIdentity[];
  /** The canary (`--canary-cert/--canary-key`). */
  readonly canary?: ClientIdentity;
  /** Warn when fewer days than this remain. */
  readonly warnDays: number;
  readonly timeoutMs: number;
  readonly now: () => Date;
  /** A client certificate for `cn` from a CA no federation trusts. */
  readonly foreignClient: (cn: string) => IssuedIdentity;
}

const DAY_MS = 86_400_000;
/** Certificates living less than this are judged by the fraction of their life left, not by --warn-days. */
const SHORT_LIVED_MS = 7 * DAY_MS;
/** What OpenSSL says when the peer answered a ClientHello with plaintext (e.g. an HTTP error page). */
const PLAINTEXT = /WRONG_VERSION_NUMBER|wrong version number|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|record layer failure/i;
const PROTOCOL_REFUSED = /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|WRONG_VERSION_NUMBER|VERSION_TOO_LOW|INAPPROPRIATE_FALLBACK/;

/** Reads a client identity's CN (the key stays opaque). */
export function clientIdentity(cert: string, key: string): ClientIdentity {
  const subject = new X509Certificate(cert).subject;
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(subject)?.[1];
  if (cn === undefined) throw new Error('the client certificate has no CN');
  return { cert, key, commonName: cn };
}

/** `host:port`, IPv6 in brackets. */
export function endpointOf(t: Pick<VerifyTarget, 'host' | 'port'>): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

/** Runs every check that applies to `t`, reporting each result as it is known. */
export async function checkEndpoint(t: VerifyTarget, inputs: EndpointCheckInputs, report: (r: CheckResult) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const endpoint = endpointOf(t);
  const emit = (check: CheckId, status: CheckResult['status'], detail: string, hint?: string) => {
    const r = result(t.id, endpoint, check, status, detail, hint);
    results.push(r);
    report(r);
  };
  const dial = (extra: { cert?: string; key?: string; minVersion?: 'TLSv1'; maxVersion?: 'TLSv1.1'; ciphers?: string; request?: boolean }) => {
    const common = {
      host: t.host, port: t.port, servername: t.servername, ca: t.trust === 'federation' ? inputs.ca : undefined,
      cert: extra.cert, key: extra.key, minVersion: extra.minVersion, maxVersion: extra.maxVersion, ciphers: extra.ciphers, timeoutMs: inputs.timeoutMs,
    };
    // A gRPC port answers only HTTP/2: admission is read from a gRPC call, never from HTTP/1.1.
    return t.protocol === 'grpc'
      ? grpcProbe({ ...common, call: extra.request === true })
      : probe({ ...common, request: extra.request ? httpProbeRequest(t.servername, t.path) : undefined });
  };
  const permitted = inputs.clients.find((c) => t.allowedClientCns === undefined || t.allowedClientCns.includes(c.commonName));

  // 1. Handshake and the server's certificate, as `openssl s_client -CAfile federation-ca.pem` shows them.
  const main = await dial({ cert: permitted?.cert, key: permitted?.key });
  const peer = main.kind === 'established' ? main.peer : undefined;
  if (main.kind === 'connect-error') {
    emit('handshake', 'fail', `cannot connect: ${main.code} (${main.message})`, 'is the container running and its port published? For tunnels, pass --endpoint node=host:port');
    for (const c of applicableAfterHandshake(t)) emit(c, 'skip', 'not performed: no connection');
    return results;
  }
  // A server that answers a ClientHello with something that is not TLS (Loom's HTTP port without its
  // gateway is plain HTTP) refuses nobody: every later "refusal" would be that, so none is judged.
  let noTls = false;
  if (main.kind === 'handshake-error') {
    if (!permitted && t.mtls && t.requireClientCert && /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|ECONNRESET/.test(main.code)) {
      emit('handshake', 'skip', `not performed: the server ends the handshake without a client certificate (${main.code})`, 'pass --client-cert/--client-key of a client on its allow-list');
    } else if (!main.local && PLAINTEXT.test(`${main.code} ${main.message}`)) {
      noTls = true;
      emit('handshake', 'fail', `no TLS on this port: the server does not answer a TLS handshake (${main.code}); it speaks plaintext, to every client`,
        t.kind === 'loom' ? 'Loom v1.4.0 serves its HTTP port in plaintext whatever server.tls says: publish its mTLS gateway\'s port instead' : 'check the endpoint is the TLS port the plan names');
    } else {
      emit('handshake', 'fail', `handshake failed: ${explainRefusal({ code: main.code })}`, main.local ? 'this machine\'s TLS library refused to make the attempt' : undefined);
    }
  } else if (t.trust === 'self-signed') {
    emit('handshake', 'warn', `${main.protocol}, Loom's self-signed certificate: no root vouches for it`, 'clients must pin this certificate or use --tls-insecure (Loom self-signed mode is for dev/test)');
  } else if (main.authorized || main.authorizationError === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    // Node checks the chain first and the name second: a name error means the chain held (names are the next check).
    emit('handshake', 'pass', `${main.protocol}, chains to ${t.trust === 'federation' ? 'the federation root' : 'the system roots'}`);
  } else {
    const e = explainServerCertificate(main.authorizationError ?? 'unknown');
    emit('handshake', 'fail', e.message, e.hint);
  }

  // 2. Names, which certificate it is (step-ca's or the federation's), and 3. dates of the certificate served.
  if (!peer) {
    emit('names', 'skip', 'not performed: no certificate received');
    if (t.certificateSources) emit('served-certificate', 'skip', 'not performed: no certificate received');
    emit('expiry', 'skip', 'not performed: no certificate received');
  } else {
    checkNames(t, peer, emit);
    if (t.certificateSources) checkServedCertificate(t.certificateSources, classifyServedCertificate(presentedCertificates(peer), inputs.ca, t.certificateSources), emit);
    checkExpiry(t, peer, inputs, emit);
  }

  if (noTls) {
    emit('legacy-tls', 'skip', 'not performed: no TLS on this port');
    // A plaintext port admits every client, with or without a certificate: each admission check fails.
    if (t.mtls) {
      for (const c of ['no-client-cert', 'foreign-ca', 'canary', 'permitted-client'] as CheckId[]) {
        emit(c, 'fail', 'this port speaks plaintext: every client is admitted, with or without a certificate, and nobody is authenticated', t.kind === 'loom' ? LOOM_HINT : undefined);
      }
    }
    return results;
  }
  // 4. TLS 1.0/1.1: offered alone, with every cipher this machine has; the server must refuse.
  checkLegacy(t, await dial({ cert: permitted?.cert, key: permitted?.key, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0', request: true }), !!permitted, emit);

  if (!t.mtls) return results;
  // 5. No client certificate: the guide's "Test without client cert (should fail)".
  const none = admissionOf(await dial({ request: true }));
  if (none.admitted === undefined) emit('no-client-cert', 'skip', `not performed: ${none.detail}`);
  else if (!none.admitted) emit('no-client-cert', 'pass', `refused: ${none.detail}`);
  else if (t.requireClientCert) emit('no-client-cert', 'fail', `admitted without a client certificate (${none.detail})`, t.kind === 'loom' ? LOOM_HINT : 'set require_client_cert: true with mtls.enabled and client_ca_files');
  else emit('no-client-cert', 'warn', `admitted without a client certificate (${none.detail}): require_client_cert is false in the spec`, 'optional client certificates are for gradual rollout only (SemStreams guide)');

  // 6. A certificate from a foreign CA, with a CN the server would otherwise admit.
  const impostorCn = t.allowedClientCns?.[0] ?? permitted?.commonName ?? `impostor.${t.servername}`;
  const foreign = inputs.foreignClient(impostorCn);
  const f = admissionOf(await dial({ cert: foreign.cert, key: foreign.key, request: true }));
  if (f.admitted === undefined) emit('foreign-ca', 'skip', `not performed: ${f.detail}`);
  else if (!f.admitted) emit('foreign-ca', 'pass', `refused CN ${impostorCn} from a foreign CA: ${f.detail}`);
  else emit('foreign-ca', 'fail', `admitted CN ${impostorCn} signed by a foreign CA (${f.detail})`, t.kind === 'loom' ? LOOM_HINT : 'client_ca_files must hold only the federation CA, and the server must verify client certificates (mtls.enabled)');

  // 7. The canary: federation-signed, on no allow-list — the guide's "Test with unauthorized CN (should fail)".
  if (!inputs.canary) {
    emit('canary', 'skip', 'not performed: no --canary-cert/--canary-key', 'the pki stack outputs canary_cert_pem; its key is in the pki state');
  } else {
    const c = admissionOf(await dial({ cert: inputs.canary.cert, key: inputs.canary.key, request: true }));
    const cn = inputs.canary.commonName;
    if (c.admitted === undefined) emit('canary', 'skip', `not performed: ${c.detail}`);
    else if (!c.admitted) emit('canary', 'pass', `refused ${cn}: ${c.detail}`);
    else if (t.allowedClientCns === undefined) emit('canary', 'warn', `admitted ${cn} (${c.detail}): the server has no CN allow-list, any federation-signed certificate is admitted`, 'restrict who reaches this port by network, or front it with a proxy that checks CNs');
    else if (t.kind === 'loom') emit('canary', 'fail', `admitted ${cn}, which is on no allow-list (${c.detail}): ${GUIDE.cnNotAllowed} is not enforced`, LOOM_HINT);
    else emit('canary', 'fail', `admitted ${cn}, which is on no allow-list (${c.detail}): ${GUIDE.cnNotAllowed} is not enforced`, 'allowed_client_cns is empty (empty = allow all) or not applied: set it to exactly the linked clients\' CNs (SemStreams guide: always specify allowed_client_cns in production)');
  }

  // 8. A permitted client: the guide's "Test mTLS handshake (should succeed)". Admitted *because of* its
  // certificate: a server that also admits a client without one (when the plan requires one) authenticates
  // nobody, and this admission proves nothing.
  if (!permitted) {
    const wanted = t.allowedClientCns?.join(', ') ?? 'any federation-signed client';
    emit('permitted-client', 'skip', `not performed: no --client-cert with a CN this server admits (${wanted})`);
  } else {
    const p = admissionOf(await dial({ cert: permitted.cert, key: permitted.key, request: true }));
    if (p.admitted === undefined) emit('permitted-client', 'skip', `not performed: ${p.detail}`);
    else if (!p.admitted) emit('permitted-client', 'fail', `refused ${permitted.commonName}: ${p.detail}`, refusalHint(p.detail));
    else if (t.requireClientCert && none.admitted === true) {
      emit('permitted-client', 'fail', `admitted ${permitted.commonName} (${p.detail}), but a client without any certificate is admitted too: the server does not authenticate clients`,
        t.kind === 'loom' ? 'Loom v1.4.0 checks no client certificate: its published ports must be its mTLS gateway\'s (is Loom itself listening there?)' : 'set require_client_cert: true with mtls.enabled and client_ca_files');
    } else emit('permitted-client', 'pass', `admitted ${permitted.commonName}: ${p.detail}`);
  }
  return results;
}

/** What to check when a Loom port admits someone it should not. */
const LOOM_HINT = 'Loom v1.4.0 checks no client certificate (ca_file ignored, require_client_cert dropped): the published port must be its mTLS gateway\'s, with Loom on 127.0.0.1 behind it';

function applicableAfterHandshake(t: VerifyTarget): CheckId[] {
  return ['names', ...(t.certificateSources ? ['served-certificate'] as CheckId[] : []), 'expiry', 'legacy-tls', ...(t.mtls ? ['no-client-cert', 'foreign-ca', 'canary', 'permitted-client'] as CheckId[] : [])];
}

function refusalHint(detail: string): string {
  if (detail.includes(GUIDE.cnNotAllowed)) return 'check the client certificate\'s CN (openssl x509 -noout -subject) against allowed_client_cns (a Loom gateway: allowedClients, whole subject CN=<cn>,O=<organization>): the match is exact and case-sensitive; and that client_ca_files (a Loom gateway: its ca-file) holds the federation CA';
  if (/UNKNOWN_CA|does not trust/.test(detail)) return 'the server\'s client_ca_files (Loom: ca_file) must hold the federation CA';
  if (detail.includes(GUIDE.expired)) return 'the client certificate is outside its validity: re-issue it (cdktf deploy of the pki stack)';
  return 'see the SemStreams guide\'s troubleshooting entry for this message';
}

export type Emit = (check: CheckId, status: CheckResult['status'], detail: string, hint?: string) => void;

function checkNames(t: VerifyTarget, peer: PeerCertificate, emit: Emit): void {
  const cn = typeof peer.subject?.CN === 'string' ? peer.subject.CN : undefined;
  const sans = (peer.subjectaltname ?? '').split(', ').filter((s) => s.length > 0);
  const dns = sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
  const ips = sans.filter((s) => s.startsWith('IP Address:')).map((s) => s.slice(11));
  const problems: string[] = [];
  const identity = checkServerIdentity(t.servername, peer);
  if (identity) problems.push(`not valid for ${t.servername} (${(identity as NodeJS.ErrnoException).code ?? identity.message})`);
  // Federation-issued and step-ca certificates carry CN = FQDN; SemStreams' allow-lists match on exactly that.
  if (t.trust === 'federation' && cn !== t.servername) problems.push(`CN is ${cn ?? '(none)'}, not ${t.servername}`);
  const missing = [...t.dnsNames.filter((d) => !dns.includes(d)).map((d) => `DNS:${d}`), ...t.ipAddresses.filter((i) => !ips.includes(i)).map((i) => `IP:${i}`)];
  if (missing.length > 0) problems.push(`missing SANs ${missing.join(', ')}`);
  const seen = `CN ${cn ?? '(none)'}; SANs ${sans.join(', ') || '(none)'}`;
  if (problems.length === 0) emit('names', 'pass', seen);
  else emit('names', 'fail', `${problems.join('; ')} — the certificate has ${seen}`, 'the endpoint serves another certificate than the plan issued for this node: check the container mounts its own certificate, and that the endpoint (or --endpoint override) reaches the right node');
}

/**
 * Reports which certificate is served. A node in ACME mode serving its federation certificate is a warning,
 * not a failure: the federation works on it, but SemStreams fell back silently and stays there until restarted.
 */
export function checkServedCertificate(s: CertificateSources, served: ServedCertificate, emit: Emit): void {
  const life = served.lifetimeHours < 72 ? `${Math.round(served.lifetimeHours)} hours` : `${Math.round(served.lifetimeHours / 24)} days`;
  const stepCa = `ACME: step-ca's certificate (issued by its intermediate, ${served.issuer}; lifetime ${life})`;
  const federation = `the federation certificate (issued by ${served.issuer}; lifetime ${life})`;
  if (served.kind === 'other') {
    emit('served-certificate', 'fail', `neither step-ca's nor the federation certificate: issued by ${served.issuer} (lifetime ${life})`,
      'the endpoint serves a certificate the plan did not issue: check the container mounts its own certificate, and that the endpoint reaches the right node');
  } else if (s.mode === 'federation') {
    if (served.kind === 'federation') emit('served-certificate', 'pass', federation);
    else emit('served-certificate', 'warn', `${stepCa}, but the spec has this node serve its federation certificate (manual mode)`, 'check the endpoint reaches the node the spec names, and that its config is the one rendered');
  } else if (served.kind === 'acme') {
    emit('served-certificate', 'pass', stepCa);
  } else if (s.fallback) {
    emit('served-certificate', 'warn', `fallback: ${federation}, not step-ca's, although the node is in ACME mode. SemStreams falls back without logging it and keeps the fallback until it restarts, even after step-ca is back (seen with SemStreams a12473c)`,
      `check step-ca (verify --step-ca URL: /health and its ACME directory) and that step-ca reaches the node's challenge port, then restart the node (docker restart ${s.containerName}) so it obtains an ACME certificate`);
  } else {
    emit('served-certificate', 'warn', `${federation}, not step-ca's, although the node is in ACME mode`, 'check its ACME client can reach step-ca, then restart it');
  }
}

function checkExpiry(t: VerifyTarget, peer: PeerCertificate, inputs: EndpointCheckInputs, emit: Emit): void {
  const from = new Date(peer.valid_from);
  const to = new Date(peer.valid_to);
  const now = inputs.now();
  const notAfter = to.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (now < from) { emit('expiry', 'fail', `${GUIDE.expired}: not valid before ${from.toISOString()}`, 'check the server\'s clock and the certificate\'s dates (openssl x509 -noout -dates)'); return; }
  if (now > to) { emit('expiry', 'fail', `${GUIDE.expired}: expired ${notAfter}`, 'regenerate: a cdktf deploy of the pki stack re-issues it, then redeploy the site'); return; }
  const leftMs = to.getTime() - now.getTime();
  const days = Math.floor(leftMs / DAY_MS);
  const lifetimeMs = to.getTime() - from.getTime();
  // Short-lived ACME certificates (the guide's 24 hours) renew themselves at a third of their life left:
  // a threshold in days makes no sense for them.
  const short = lifetimeMs < SHORT_LIVED_MS;
  const due = short ? leftMs < lifetimeMs / 3 : days < inputs.warnDays;
  const left = short ? `${(leftMs / 3_600_000).toFixed(1)} hours` : `${days} days`;
  if (!due) { emit('expiry', 'pass', `${left} left (not after ${notAfter})`); return; }
  const inWindow = t.earlyRenewalDays !== undefined && days < t.earlyRenewalDays;
  emit('expiry', 'warn', `${left} left (not after ${notAfter}), below ${short ? 'a third of its lifetime' : `--warn-days ${inputs.warnDays}`}`,
    inWindow ? `inside its renewal window (last ${t.earlyRenewalDays} days): the next cdktf deploy of the pki stack re-issues it` : 'renew it before it expires (SemStreams guide: alert 30 days before expiry)');
}

/** Judges the TLS 1.0/1.1 attempt: accepted fails; refused for the version passes; could not be made is not performed. */
export function checkLegacy(t: VerifyTarget, o: ProbeOutcome, presentedCert: boolean, emit: Emit): void {
  if (o.kind === 'established') {
    emit('legacy-tls', 'fail', `the server accepted ${o.protocol}`, 'set min_version "1.2" or "1.3" (SemStreams guide: TLS 1.0/1.1 are not supported)');
  } else if (o.kind === 'connect-error') {
    emit('legacy-tls', 'skip', `not performed: no connection (${o.code})`);
  } else if (o.local) {
    emit('legacy-tls', 'skip', `not performed: this machine's OpenSSL cannot offer TLS 1.0/1.1 (${o.code})`, 'try `openssl s_client -tls1_1 -connect host:port` from a machine whose OpenSSL still offers it');
  } else if (PROTOCOL_REFUSED.test(o.code)) {
    emit('legacy-tls', 'pass', `refused: protocol version (${o.code})`);
  } else if (t.mtls && !presentedCert) {
    emit('legacy-tls', 'skip', `inconclusive: refused with ${o.code}, but without a permitted --client-cert a refusal of the missing certificate looks the same`);
  } else {
    emit('legacy-tls', 'pass', `refused (${o.code})`);
  }
}
