/**
 * Local images for the real-peer tier, packaged from binaries the environment names (no image registry is
 * reachable here). Each follows the layout of the program's official image where the stacks depend on it:
 * step-ca's binary carries the NET_BIND_SERVICE file capability and runs as `step` (uid 1000) under
 * /home/step, as the official smallstep/step-ca image does; NATS is the server as entrypoint (the
 * scratch `nats` image); SemStreams is /app/semstreams (its own Dockerfile).
 */
import { execFileSync, spawnSync } from 'child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { ProgramName, ProgramSource } from './prereqs';

export const LOCAL_IMAGE_PREFIX = 'federation-pki-real';

/** Shared libraries a dynamically linked binary loads (none for a static one). */
export function sharedLibrariesOf(bin: string): string[] {
  const r = spawnSync('ldd', [bin], { encoding: 'utf8' });
  if (r.status !== 0) return []; // "not a dynamic executable"
  const libs = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.add(m[1]);
  }
  return [...libs].sort();
}

interface ImagePlan {
  /** [source on this machine, destination in the image] */
  readonly files: readonly (readonly [string, string])[];
  readonly dirs?: readonly string[];
  /** Extra files written from text: [destination, content]. */
  readonly texts?: readonly (readonly [string, string])[];
  /** Dockerfile lines after the COPY of the root filesystem. */
  readonly tail: readonly string[];
}

function withLibraries(files: readonly (readonly [string, string])[]): (readonly [string, string])[] {
  const all = new Map<string, string>(files.map(([s, d]) => [d, s]));
  for (const [src] of files) for (const lib of sharedLibrariesOf(src)) all.set(lib, lib);
  return [...all.entries()].map(([d, s]) => [s, d] as const);
}

function buildImage(tag: string, plan: ImagePlan): string {
  const ctx = mkdtempSync(join(tmpdir(), 'fpki-real-image-'));
  try {
    const root = join(ctx, 'rootfs');
    for (const d of ['tmp', ...(plan.dirs ?? [])]) mkdirSync(join(root, d), { recursive: true });
    for (const [src, dest] of withLibraries(plan.files)) {
      mkdirSync(join(root, dirname(dest)), { recursive: true });
      copyFileSync(src, join(root, dest));
    }
    for (const [dest, text] of plan.texts ?? []) {
      mkdirSync(join(root, dirname(dest)), { recursive: true });
      writeFileSync(join(root, dest), text);
    }
    writeFileSync(join(ctx, 'Dockerfile'), ['FROM scratch', 'COPY rootfs/ /', ...plan.tail, ''].join('\n'));
    execFileSync('docker', ['build', '-q', '-t', tag, ctx], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    return tag;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

function planFor(name: ProgramName, src: ProgramSource, tools: { busybox: string; setcap: string }): ImagePlan {
  const bin = src.bin!;
  switch (name) {
    case 'semstreams':
      return { files: [[bin, '/app/semstreams']], dirs: ['etc/semstreams'], tail: ['ENTRYPOINT ["/app/semstreams"]'] };
    case 'nats':
      return { files: [[bin, '/nats-server']], tail: ['ENTRYPOINT ["/nats-server"]'] };
    case 'loom':
      return { files: [[bin, '/usr/local/bin/looms']], dirs: ['root', 'etc/loom'], tail: ['ENV HOME=/root', 'ENTRYPOINT ["/usr/local/bin/looms"]'] };
    case 'gateway':
      // The holder container runs `sleep infinity` in this image (as the official haproxy image can).
      return { files: [[bin, '/usr/local/sbin/haproxy'], [tools.busybox, '/bin/sleep']], dirs: ['usr/local/etc/haproxy', 'var/lib/haproxy', 'var/run'], tail: [] };
    case 'stepCa':
      return {
        files: [[bin, '/usr/local/bin/step-ca'], [src.stepBin!, '/usr/local/bin/step'], [tools.busybox, '/bin/busybox'], [tools.setcap, '/usr/sbin/setcap']],
        dirs: ['home/step'],
        texts: [['/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nstep:x:1000:1000:step:/home/step:/bin/sh\n'], ['/etc/group', 'root:x:0:\nstep:x:1000:\n']],
        tail: [
          // As the official image: the binary carries the capability as a file attribute (COPY drops xattrs).
          'RUN ["/usr/sbin/setcap", "cap_net_bind_service=+eip", "/usr/local/bin/step-ca"]',
          'RUN ["/bin/busybox", "chown", "-R", "1000:1000", "/home/step"]',
          'USER step',
          'ENV HOME=/home/step',
          'WORKDIR /home/step',
          'VOLUME ["/home/step"]',
          'CMD ["/usr/local/bin/step-ca", "/home/step/config/ca.json"]',
        ],
      };
  }
}

/** The image to run for `name`: the one named, or one packaged from the binary (rebuilt each run). */
export function imageFor(name: ProgramName, src: ProgramSource, tools: { busybox: string; setcap: string }): string {
  if (src.image) return src.image;
  return buildImage(`${LOCAL_IMAGE_PREFIX}/${name.toLowerCase()}:local`, planFor(name, src, tools));
}

/** A binary's version line, for the compatibility table. */
export function versionOf(name: ProgramName, src: ProgramSource): string {
  if (!src.bin) return `image ${src.image}`;
  const args = name === 'semstreams' || name === 'nats' || name === 'loom' ? ['--version'] : name === 'gateway' ? ['-v'] : ['version'];
  const r = spawnSync(src.bin, args, { encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout || r.stderr}`.trim().split('\n')[0] || 'unknown';
}
