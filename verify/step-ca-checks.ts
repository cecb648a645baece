/**
 * step-ca, tier acme's CA: `GET /health` answers `{"status":"ok"}` and each ACME provisioner's directory
 * answers with its endpoints — the guide's `curl https://step-ca:9000/acme/acme/directory`, with the
 * server's certificate validated against the federation root (step-ca's intermediate chains to it).
 */
import { request } from 'https';
import { explainServerCertificate } from './messages';
import { CheckResult, result } from './result';

export interface StepCaCheckInputs {
  /** Base URL, e.g. `https://step-ca.example.internal:9000`. */
  readonly url: string;
  /** The federation root, PEM. */
  readonly ca: string;
  /** ACME provisioner names whose directories are checked. */
  readonly provisioners: readonly string[];
  readonly timeoutMs: number;
}

interface HttpAnswer { readonly status: number; readonly body: string }
type Fetched = { readonly ok: true; readonly answer: HttpAnswer } | { readonly ok: false; readonly code: string; readonly message: string };

/** Runs the step-ca checks, reporting each as it is known. */
export async function checkStepCa(inputs: StepCaCheckInputs, report: (r: CheckResult) => void): Promise<CheckResult[]> {
  const base = inputs.url.replace(/\/+$/, '');
  const results: CheckResult[] = [];
  const emit = (r: CheckResult) => { results.push(r); report(r); };

  const healthUrl = `${base}/health`;
  const health = await get(healthUrl, inputs);
  if (!health.ok) emit(result('step-ca', healthUrl, 'step-ca-health', 'fail', health.message, hintOf(health.code)));
  else if (health.answer.status !== 200) emit(result('step-ca', healthUrl, 'step-ca-health', 'fail', `HTTP ${health.answer.status}: ${snippet(health.answer.body)}`, 'docker logs of the step-ca container; `step ca health` inside it'));
  else if (jsonOf(health.answer.body)?.status !== 'ok') emit(result('step-ca', healthUrl, 'step-ca-health', 'fail', `HTTP 200 but not {"status":"ok"}: ${snippet(health.answer.body)}`, 'is this step-ca? Check the URL and port'));
  else emit(result('step-ca', healthUrl, 'step-ca-health', 'pass', 'HTTP 200 {"status":"ok"}'));

  for (const name of inputs.provisioners) {
    const url = `${base}/acme/${encodeURIComponent(name)}/directory`;
    const dir = await get(url, inputs);
    if (!dir.ok) { emit(result('step-ca', url, 'acme-directory', 'fail', dir.message, hintOf(dir.code))); continue; }
    const json = jsonOf(dir.answer.body);
    const missing = ['newNonce', 'newAccount', 'newOrder'].filter((k) => typeof json?.[k] !== 'string');
    if (dir.answer.status !== 200) emit(result('step-ca', url, 'acme-directory', 'fail', `HTTP ${dir.answer.status}: ${snippet(dir.answer.body)}`, `is there an ACME provisioner named "${name}" in ca.json?`));
    else if (missing.length > 0) emit(result('step-ca', url, 'acme-directory', 'fail', `HTTP 200 but no ${missing.join(', ')} in the directory`, 'the URL does not serve an ACME directory'));
    else emit(result('step-ca', url, 'acme-directory', 'pass', `provisioner ${name}: newNonce, newAccount, newOrder`));
  }
  return results;
}

function get(url: string, inputs: StepCaCheckInputs): Promise<Fetched> {
  return new Promise((resolve) => {
    let req: ReturnType<typeof request>;
    try {
      req = request(url, { method: 'GET', ca: inputs.ca, timeout: inputs.timeoutMs, headers: { 'user-agent': 'federation-pki-verify' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => { if (body.length < 65536) body += d; });
        res.on('end', () => resolve({ ok: true, answer: { status: res.statusCode ?? 0, body } }));
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, code: e.code ?? 'ERR', message: e.message }));
      });
    } catch (e) {
      resolve({ ok: false, code: (e as NodeJS.ErrnoException).code ?? 'ERR_INVALID_URL', message: (e as Error).message });
      return;
    }
    req.on('timeout', () => { req.destroy(Object.assign(new Error(`no answer within ${inputs.timeoutMs} ms`), { code: 'ETIMEDOUT' })); });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? 'ERR';
      const explained = /CERT|SELF_SIGNED|UNABLE_TO|LEAF_SIGNATURE/.test(code) ? explainServerCertificate(code).message : undefined;
      resolve({ ok: false, code, message: explained ?? `${code}: ${e.message}` });
    });
    req.end();
  });
}

function hintOf(code: string): string {
  if (/CERT|SELF_SIGNED|UNABLE_TO|LEAF_SIGNATURE/.test(code)) return explainServerCertificate(code).hint;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'the URL\'s host name is not among step-ca\'s dnsNames';
  return 'is the step-ca container running and its port reachable from here?';
}

function jsonOf(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text);
    return typeof v === 'object' && v !== null ? v as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

function snippet(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > 120 ? `${s.slice(0, 117)}...` : s || '(empty body)';
}
