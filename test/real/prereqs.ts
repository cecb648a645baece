/**
 * What the real-peer tier needs, taken from the environment only. Nothing here fetches or builds a real
 * program: providers come through TF_CLI_CONFIG_FILE, SemStreams, Loom, NATS and step-ca as image names or
 * as binaries the tier packages into local images. Each missing piece becomes a reason that the checks
 * needing it print as "not run".
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/** The provider versions the prebuilt bindings pin (../shared/reference/cdktf.md). */
export const PINNED_PROVIDERS = {
  'kreuzwerker/docker': '3.6.2',
  'hashicorp/tls': '4.1.0',
  'hashicorp/local': '2.6.1',
} as const;

/** The programs the deployed federation runs, each as an image name or a binary to package. */
export const PROGRAMS = {
  semstreams: { image: 'FPKI_SEMSTREAMS_IMAGE', bin: 'FPKI_SEMSTREAMS_BIN', what: 'SemStreams (semstreams binary)' },
  loom: { image: 'FPKI_LOOM_IMAGE', bin: 'FPKI_LOOMS_BIN', what: 'Loom server (looms binary)' },
  nats: { image: 'FPKI_NATS_IMAGE', bin: 'FPKI_NATS_SERVER_BIN', what: 'NATS (nats-server binary)' },
  stepCa: { image: 'FPKI_STEP_CA_IMAGE', bin: 'FPKI_STEP_CA_BIN', what: 'step-ca (step-ca binary, plus FPKI_STEP_BIN for its healthcheck)' },
  /** Default: Debian's haproxy, which `npm test` installs too. */
  gateway: { image: 'FPKI_LOOM_GATEWAY_IMAGE', bin: 'FPKI_HAPROXY_BIN', what: 'HAProxy for the Loom gateway (haproxy binary)' },
} as const;
export type ProgramName = keyof typeof PROGRAMS;

export interface Missing { readonly why: string }
export type Found<T> = T | Missing;
export const isMissing = <T>(x: Found<T>): x is Missing => typeof x === 'object' && x !== null && 'why' in x;

export interface ProgramSource {
  /** An image already in the engine. */
  readonly image?: string;
  /** A binary to package (and for step-ca, the step CLI beside it). */
  readonly bin?: string;
  readonly stepBin?: string;
}

export interface RealEnvironment {
  readonly terraform: Found<{ readonly cliConfig: string }>;
  readonly docker: Found<{ readonly serverVersion: string }>;
  readonly programs: { readonly [K in ProgramName]: Found<ProgramSource> };
  /** Debian's static busybox, for the small helper images (LLM stand-in). */
  readonly busybox: Found<{ readonly path: string }>;
  /** setcap, to give the packaged step-ca the file capability the official image's binary carries. */
  readonly setcap: Found<{ readonly path: string }>;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 120_000 });
}

/** A provider mirror that really serves the pinned providers: a throwaway `terraform init` proves it. */
export function findTerraform(env = process.env): Found<{ cliConfig: string }> {
  if (run('terraform', ['version']).status !== 0) return { why: 'terraform is not on PATH' };
  const rc = env.TF_CLI_CONFIG_FILE;
  if (!rc) return { why: 'TF_CLI_CONFIG_FILE is not set (a Terraform CLI config naming a provider mirror)' };
  if (!existsSync(rc)) return { why: `TF_CLI_CONFIG_FILE=${rc} does not exist` };
  const dir = mkdtempSync(join(tmpdir(), 'fpki-real-providers-'));
  try {
    const required = Object.entries(PINNED_PROVIDERS).map(([src, v]) => `    ${src.split('/')[1]} = { source = "${src}", version = "${v}" }`).join('\n');
    writeFileSync(join(dir, 'main.tf'), `terraform {\n  required_providers {\n${required}\n  }\n}\n`);
    const r = run('terraform', ['init', '-input=false', '-no-color', '-backend=false'], { ...env, TF_CLI_CONFIG_FILE: rc, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' });
    if (r.status !== 0) {
      const line = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.replace(/[│╷╵]/g, '').trim()).find((l) => /Error|provider/i.test(l)) ?? 'terraform init failed';
      return { why: `the provider mirror of ${rc} does not serve ${Object.entries(PINNED_PROVIDERS).map(([s, v]) => `${s} ${v}`).join(', ')}: ${line}` };
    }
    return { cliConfig: rc };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function findDocker(): Found<{ serverVersion: string }> {
  const r = run('docker', ['info', '--format', '{{.ServerVersion}}']);
  if (r.error) return { why: 'the docker CLI is not on PATH' };
  if (r.status !== 0) return { why: `no Docker engine answers (docker info: ${(r.stderr || '').trim().split('\n').pop()})` };
  return { serverVersion: r.stdout.trim() };
}

function imageExists(name: string): boolean {
  return run('docker', ['image', 'inspect', name]).status === 0;
}

export function findProgram(name: ProgramName, env = process.env, dockerUp = true): Found<ProgramSource> {
  const p = PROGRAMS[name];
  const image = env[p.image];
  if (image) {
    if (!dockerUp) return { why: `${p.image}=${image} given, but no Docker engine answers` };
    return imageExists(image) ? { image } : { why: `${p.image}=${image} is not an image in the local engine` };
  }
  const bin = env[p.bin] ?? (name === 'gateway' && existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : undefined);
  if (!bin) return { why: `neither ${p.image} nor ${p.bin} is set (${p.what})` };
  if (!existsSync(bin)) return { why: `${p.bin}=${bin} does not exist` };
  if (name === 'stepCa') {
    const stepBin = env.FPKI_STEP_BIN;
    if (!stepBin || !existsSync(stepBin)) return { why: 'FPKI_STEP_BIN (the step CLI, for the official image\'s `step ca health` healthcheck) is not set or missing' };
    return { bin, stepBin };
  }
  return { bin };
}

function findFile(path: string, what: string): Found<{ path: string }> {
  return existsSync(path) ? { path } : { why: `${path} is missing (${what})` };
}

export function findEnvironment(env = process.env): RealEnvironment {
  const docker = findDocker();
  const up = !isMissing(docker);
  return {
    terraform: findTerraform(env),
    docker,
    programs: {
      semstreams: findProgram('semstreams', env, up),
      loom: findProgram('loom', env, up),
      nats: findProgram('nats', env, up),
      stepCa: findProgram('stepCa', env, up),
      gateway: findProgram('gateway', env, up),
    },
    busybox: findFile(env.FPKI_BUSYBOX_BIN ?? '/bin/busybox', "Debian's busybox-static"),
    setcap: findFile('/usr/sbin/setcap', "Debian's libcap2-bin"),
  };
}
