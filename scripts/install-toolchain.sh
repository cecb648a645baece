#!/usr/bin/env bash
# Installs the project's local toolchain into .toolchain/ (gitignored).
#   --docker     docker engine (Debian docker.io), dockerd running, image federation-pki/busybox:local
#   --step-ca    .toolchain/bin/step-ca
#   --pebble     pebble, Let's Encrypt's ACME test server (Debian package), for the ACME client tests
#   --haproxy    HAProxy (Debian package, /usr/sbin/haproxy), for the Loom mTLS gateway tests
#   --nats       .toolchain/bin/nats-server (the default image's 2.10 line), for the real-peer tier's NATS client test
#   --all        all five. Flags combine.
# The Terraform providers, SemStreams and Loom are not served by the registries these machines reach:
# nothing here builds them. The real-peer tier (npm run test:real) takes them from the environment.
# Idempotent: every step checks for its result first, so a second run takes seconds.
# There is no image registry here: the only image is built locally FROM scratch.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TC="$ROOT/.toolchain"
IMAGE="federation-pki/busybox:local"
STEP_CA_VERSION="v0.30.2"
NATS_VERSION="v2.10.27"

log() { echo "[toolchain] $*"; }
die() { echo "[toolchain] ERROR: $*" >&2; exit 1; }

want_docker=0 want_step_ca=0 want_pebble=0 want_haproxy=0 want_nats=0
for arg in "$@"; do
  case "$arg" in
    --docker) want_docker=1 ;;
    --step-ca) want_step_ca=1 ;;
    --pebble) want_pebble=1 ;;
    --haproxy) want_haproxy=1 ;;
    --nats) want_nats=1 ;;
    --all) want_docker=1 want_step_ca=1 want_pebble=1 want_haproxy=1 want_nats=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown argument: $arg (expected --docker, --step-ca, --pebble, --haproxy, --nats, --all)" ;;
  esac
done
(( $# )) || die "name what to install: --docker, --step-ca, --pebble, --haproxy, --nats or --all"

# Terraform itself is provided by the machine image; nothing here can download it.
command -v terraform >/dev/null 2>&1 || die "terraform not found on PATH (expected /usr/local/bin/terraform, 1.11.x); it cannot be downloaded here"
# Check the binary without reading whatever CLI config the environment points at.
# (No `| head`: with pipefail, terraform's SIGPIPE would count as a failure.)
tf_version="$(TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 terraform version 2>/dev/null)" || die "'terraform version' failed"
tf_version="${tf_version%%$'\n'*}"
log "using $tf_version ($(command -v terraform))"
if (( want_step_ca || want_nats )); then command -v go >/dev/null 2>&1 || die "go not found on PATH"; fi

mkdir -p "$TC"
# One scratch dir per run (runs may overlap), removed on exit.
SCRATCH="$(mktemp -d "$TC/tmp.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT
# .gitignore: add .toolchain/ only when no line already ignores it.
if ! grep -qxE '/?\.toolchain/?' "$ROOT/.gitignore" 2>/dev/null; then
  echo ".toolchain/" >> "$ROOT/.gitignore"; log "added .toolchain/ to .gitignore"
fi

# --- Stage 2 (optional): docker engine + local busybox image ------------------------------------
if (( want_docker )); then
  stage_start=$SECONDS
  if ! command -v dockerd >/dev/null 2>&1 || [[ ! -x /bin/busybox ]]; then
    log "installing docker.io busybox-static (apt)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io busybox-static >/dev/null
  fi
  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd (log: .toolchain/dockerd.log)"
    # setsid + nohup: the daemon outlives this script; its pid is recorded so it can be stopped by id.
    setsid nohup dockerd >"$TC/dockerd.log" 2>&1 </dev/null &
    echo $! > "$TC/dockerd.pid"
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || die "dockerd did not answer within 60 s; see $TC/dockerd.log"
    log "dockerd up (pid $(cat "$TC/dockerd.pid"))"
  else
    log "docker engine: running"
  fi
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    log "image $IMAGE: present"
  else
    # No registry to pull from: FROM scratch plus Debian's static busybox (sh, nc, sleep, ...).
    ctx="$SCRATCH/image" && mkdir "$ctx"
    cp /bin/busybox "$ctx/busybox"
    printf 'FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT ["/bin/busybox"]\n' > "$ctx/Dockerfile"
    # Output kept aside: the legacy builder (no buildx installed) prints a deprecation notice.
    docker build -q -t "$IMAGE" "$ctx" >"$SCRATCH/build.log" 2>&1 || { cat "$SCRATCH/build.log" >&2; die "docker build failed"; }
    log "image $IMAGE: built"
  fi
  log "stage docker: $((SECONDS - stage_start)) s"
fi

# --- Stage 3 (optional): step-ca ----------------------------------------------------------------
if (( want_step_ca )); then
  stage_start=$SECONDS
  # The version is stamped in (go install alone reports "0000000-dev"), so a stale binary is rebuilt.
  if [[ "$("$TC/bin/step-ca" version 2>/dev/null || true)" == *"/${STEP_CA_VERSION#v} "* ]]; then
    log "step-ca: present"
  else
    log "step-ca $STEP_CA_VERSION: building"
    # CGO off gives a static binary that also runs inside a FROM scratch image.
    CGO_ENABLED=0 GOBIN="$TC/bin" go install -ldflags "-X main.Version=${STEP_CA_VERSION#v}" \
      "github.com/smallstep/certificates/cmd/step-ca@$STEP_CA_VERSION"
  fi
  log "step-ca: $("$TC/bin/step-ca" version 2>&1 | sed -n 1p)"
  log "stage step-ca: $((SECONDS - stage_start)) s"
fi

# --- Stage 4 (optional): pebble ----------------------------------------------------------------
if (( want_pebble )); then
  stage_start=$SECONDS
  if [[ -x /usr/bin/pebble ]]; then
    log "pebble: present"
  else
    log "installing pebble (apt)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pebble >/dev/null
  fi
  log "pebble: $(dpkg-query -W -f='${Version}' pebble 2>/dev/null || echo '?') at /usr/bin/pebble"
  log "stage pebble: $((SECONDS - stage_start)) s"
fi

# --- Stage 5 (optional): HAProxy ---------------------------------------------------------------
# The Loom gateway tests run the real proxy on loopback with the rendered haproxy.cfg. Debian 12 ships the
# 2.6 LTS branch, the one the default gateway image (haproxy:2.6.12) runs.
if (( want_haproxy )); then
  stage_start=$SECONDS
  if [[ -x /usr/sbin/haproxy ]]; then
    log "haproxy: present"
  else
    log "installing haproxy (apt)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
  fi
  hv="$(/usr/sbin/haproxy -v 2>/dev/null)" || hv="?"
  log "haproxy: ${hv%%$'\n'*}"
  log "stage haproxy: $((SECONDS - stage_start)) s"
fi

# --- Stage 6 (optional): nats-server ------------------------------------------------------------
# The real-peer tier talks to the deployed NATS servers with its own small client (test/real/nats-client.ts);
# npm test runs that client against this server, so a flow check that sees nothing is about the links.
if (( want_nats )); then
  stage_start=$SECONDS
  if [[ "$("$TC/bin/nats-server" --version 2>/dev/null || true)" == *"$NATS_VERSION"* ]]; then
    log "nats-server: present"
  else
    log "nats-server $NATS_VERSION: building"
    CGO_ENABLED=0 GOBIN="$TC/bin" go install "github.com/nats-io/nats-server/v2@$NATS_VERSION"
  fi
  log "nats-server: $("$TC/bin/nats-server" --version 2>&1 | sed -n 1p)"
  log "stage nats: $((SECONDS - stage_start)) s"
fi

log "done."
