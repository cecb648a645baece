#!/usr/bin/env bash
# Installs the project's local toolchain into .toolchain/ (gitignored).
#   --providers  Terraform providers (built from the Go module proxy) + a CLI config using them
#   --docker     docker engine (Debian docker.io), dockerd running, image federation-pki/busybox:local
#   --step-ca    .toolchain/bin/step-ca
#   --pebble     pebble, Let's Encrypt's ACME test server (Debian package), for the ACME client tests
#   --haproxy    HAProxy (Debian package, /usr/sbin/haproxy), for the Loom mTLS gateway tests
#   --all        all five; no flag at all means --providers. Flags combine.
# Idempotent: every step checks for its result first, so a second run takes seconds.
# There is no provider registry or image registry here: providers are `go install`ed and laid out as a
# filesystem mirror, and the only image is built locally FROM scratch.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TC="$ROOT/.toolchain"
MIRROR="$TC/providers"
RC="$TC/terraformrc"
IMAGE="federation-pki/busybox:local"
STEP_CA_VERSION="v0.30.2"

log() { echo "[toolchain] $*"; }
die() { echo "[toolchain] ERROR: $*" >&2; exit 1; }

want_providers=0 want_docker=0 want_step_ca=0 want_pebble=0 want_haproxy=0 failed=()
for arg in "$@"; do
  case "$arg" in
    --providers) want_providers=1 ;;
    --docker) want_docker=1 ;;
    --step-ca) want_step_ca=1 ;;
    --pebble) want_pebble=1 ;;
    --haproxy) want_haproxy=1 ;;
    --all) want_providers=1 want_docker=1 want_step_ca=1 want_pebble=1 want_haproxy=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) die "unknown argument: $arg (expected --providers, --docker, --step-ca, --pebble, --haproxy, --all)" ;;
  esac
done
(( $# )) || want_providers=1

# Terraform itself is provided by the machine image; nothing here can download it.
command -v terraform >/dev/null 2>&1 || die "terraform not found on PATH (expected /usr/local/bin/terraform, 1.11.x); it cannot be downloaded here"
# Check the binary without reading whatever CLI config the environment points at.
# (No `| head`: with pipefail, terraform's SIGPIPE would count as a failure.)
tf_version="$(TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 terraform version 2>/dev/null)" || die "'terraform version' failed"
tf_version="${tf_version%%$'\n'*}"
log "using $tf_version ($(command -v terraform))"
if (( want_providers || want_step_ca )); then command -v go >/dev/null 2>&1 || die "go not found on PATH"; fi

mkdir -p "$TC" "$MIRROR" "$TC/plugin-cache"
# One scratch dir per run (runs may overlap), removed on exit.
SCRATCH="$(mktemp -d "$TC/tmp.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT
# .gitignore: add .toolchain/ only when no line already ignores it.
if ! grep -qxE '/?\.toolchain/?' "$ROOT/.gitignore" 2>/dev/null; then
  echo ".toolchain/" >> "$ROOT/.gitignore"; log "added .toolchain/ to .gitignore"
fi

# --- Stage 1: providers -------------------------------------------------------------------------
if (( want_providers )); then
  # Provider repos tag vN.x.y without a /vN module suffix, so `go install …@vN.x.y` is refused;
  # the tag's commit is used instead. Versions are the ones the prebuilt @cdktf/provider-* expect.
  PROVIDERS=(
    # source address      version  Go module                                                 commit of the tag
    "kreuzwerker/docker   3.6.2    github.com/terraform-providers/terraform-provider-docker  2f20f8c3ce8290fcd03d96e69c7bc6338897a479"
    "hashicorp/tls        4.1.0    github.com/hashicorp/terraform-provider-tls               eefba144662d715aa78a1ec051d88037b141826c"
    "hashicorp/local      2.6.1    github.com/terraform-providers/terraform-provider-local   ba8eb9d12edf493cd3f77ac80a59f6c89b50d4fc"
    "hashicorp/random     3.7.2    github.com/terraform-providers/terraform-provider-random  bc2ddb552b4676d16997987a9bf2875c7b98d342"
  )
  stage_start=$SECONDS
  for row in "${PROVIDERS[@]}"; do
    read -r source version module commit <<<"$row"
    ns="${source%/*}" type="${source#*/}"
    dir="$MIRROR/registry.terraform.io/$ns/$type/$version/linux_amd64"
    bin="$dir/terraform-provider-${type}_v$version"
    if [[ -x "$bin" ]]; then log "provider $source $version: present"; continue; fi
    log "provider $source $version: building $module@$commit"
    t0=$SECONDS
    # Build into an empty scratch GOBIN to see which name go chose, then move it into the mirror (which
    # thus only ever holds complete binaries). On failure go's error stays on stderr and the remaining
    # providers are still tried, so one run reports every module that cannot be fetched.
    tmp="$SCRATCH/$type" && mkdir "$tmp"
    if ! GOBIN="$tmp" go install "$module@$commit"; then
      log "provider $source $version: FAILED: go install $module@$commit"; failed+=("$source"); continue
    fi
    built=("$tmp"/*)
    [[ ${#built[@]} -eq 1 && -f "${built[0]}" ]] || die "go install of $module produced ${#built[@]} files in $tmp"
    mkdir -p "$dir"
    mv "${built[0]}" "$bin"
    log "provider $source $version: $(basename "${built[0]}") -> ${bin#"$ROOT"/} ($((SECONDS - t0)) s)"
  done

  # No `direct {}` block: terraform may only install from the mirror, so init never tries the network.
  rc_new="$(cat <<HCL
# Generated by scripts/install-toolchain.sh
plugin_cache_dir = "$TC/plugin-cache"
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/*/*"]
  }
}
HCL
  )"
  if [[ ! -f "$RC" ]] || [[ "$(cat "$RC")" != "$rc_new" ]]; then
    printf '%s\n' "$rc_new" > "$RC"; log "wrote ${RC#"$ROOT"/}"
  fi
  log "stage providers: $((SECONDS - stage_start)) s"
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

(( ${#failed[@]} == 0 )) || die "providers not installed: ${failed[*]} (go errors above)"
log "done."
if (( want_providers )); then log "point terraform/cdktf at the provider mirror with:"; echo "export TF_CLI_CONFIG_FILE=$RC"; fi
