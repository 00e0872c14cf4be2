#!/usr/bin/env bash
# real-openstack.sh - REAL OpenStack Keystone (Zed, uwsgi, SQLite) on 127.0.0.1:5000 and REAL
# Glance (Zed, eventlet glance-api, SQLite + file store) on 127.0.0.1:9292, for the Keystone
# contract tests and the simulator's hybrid mode. Debian 12 (bookworm), root. Idempotent.
# Adapted from ../shared/reference/real-components.sh (see real-components.md for the gotchas).
#
#   bash scripts/real-openstack.sh [up|ensure|stop|status] [--dir DIR] [--profile basic|full]
#     up      install packages when missing, stop old instances (by PID file), wipe the SQLite
#             DBs, configure, start, create the runbook's objects, write credentials. ~75 s on a
#             fresh machine (~45 s of it apt), ~25 s when the packages are installed.
#     ensure  reuse running instances when they are healthy (PIDs alive, both APIs answer, the
#             recorded tenant password still authenticates): ~0.3-1.5 s. Otherwise `up`.
#             Without --profile, a healthy full profile is reused too (it is a superset).
#     stop    stop what this script started (by PID file only), both profiles.
#     status  PIDs, memory, CPU, health.
#   --profile basic (default): Keystone + Glance.
#   --profile full: also MariaDB, RabbitMQ, Placement, Nova (fake driver), Neutron (ML2 + router,
#             no agents, test mechanism driver), Octavia (noop drivers + a supervised heartbeat
#             sender, so LBs go ONLINE), Magnum (test driver from test/real/pylib standing in for
#             magnum-capi-helm); the runbook's flavors, provider-ext, keypair and management VM; a
#             site.yaml for capi-gate. See scripts/real-openstack/full.sh.
#
# Exit codes: 0 ok; 2 usage; 3 cannot install or run here (not root, no apt-get, not Debian);
# 4 a port is held by something this script did not start; 1 anything else.
#
# DIR (default $REAL_OPENSTACK_DIR, else ${TMPDIR:-/tmp}/capi-gate-real-openstack) receives:
#   real-openstack.json   everything the tests need (URLs, users, passwords, ids, app cred); it is
#                         written LAST, so its presence after a successful `up` means ready
#   clouds.yaml           clouds real-admin, real-tenant, real-appcred (+ real-bootstrap)
#   openrc-admin, openrc-tenant, openrc-appcred
#   keystone.pid, glance.pid, timings.log, *.log
#   full profile: site.yaml (capi-gate site file on these services), capi-mgmt-net.env,
#                 id_ed25519 (the keypair's private key), full/ (datadirs, configs, logs, PIDs)
#
# Objects (mirroring the runbook and the simulator's default site):
#   domain admin_domain, project admin, user admin (admin on admin and admin/member/reader on capi-mgmt)
#   domain capi, project capi-mgmt, user capi-user with member, reader, load-balancer_member
#   application credential capi-appcred (created BY capi-user, scoped to capi-mgmt, same roles)
#   the bootstrap admin (domain Default, project admin) and the glance service user
#   image ubuntu-jammy-kube-v1.34.8 (public, os_distro=ubuntu, kube_version=v1.34.8, glance-direct import)
#   full profile, also: the services' users and catalog; capi-user2 (a 2nd member of capi-mgmt),
#   capi-plain (member without load-balancer_member), capi-other-user in project capi-other;
#   capi-appcred-unrestricted; flavors gp.mid (8192 MB/2) and capi.node (4096 MB/2); provider-ext
#   (external, flat) + provider-ext-subnet 10.12.7.0/24; keypair capi-mgmt-key (capi-user and
#   admin); capi-mgmt-net/-subnet/-router and the management VM capi-mgmt-v2 with a floating IP
#
# Knobs: KEYSTONE_PROCESSES=2, WITH_IMAGE=1, SKIP_APT=0, ADMIN_PASSWORD, CAPI_USER_PASSWORD,
#   GLANCE_PASSWORD, BOOTSTRAP_PASSWORD (alphanumeric only: fed to `openstack` interactive mode).
#   Full profile: SERVICE_PASSWORD, MEMBER2_PASSWORD, OTHER_PASSWORD, MAGNUM_CREATE_TICKS=2 and
#   MAGNUM_DELETE_TICKS=1 (Magnum's 10-s status syncs a create/delete takes), MAGNUM_API_ADDRESS
#   (https://127.0.0.1:6443), HEARTBEAT_INTERVAL=5 (s between amphora heartbeats),
#   REAL_OPENSTACK_API_PROCESSES=1 (uwsgi --processes of the Placement, Nova, Octavia and Magnum
#   APIs, neutron api_workers, magnum [api] and [conductor] workers; a Charmed site on 2 cores: 4).
# Everything binds to and talks to 127.0.0.1 only (apt aside).
set -euo pipefail

CMD=up
PROFILE=
R=${REAL_OPENSTACK_DIR:-${TMPDIR:-/tmp}/capi-gate-real-openstack}
USAGE="usage: $0 [up|ensure|stop|status] [--dir DIR] [--profile basic|full]"
while [ $# -gt 0 ]; do
  case "$1" in
    up|ensure|stop|status) CMD=$1 ;;
    --dir) R=${2:?--dir needs a value}; shift ;;
    --dir=*) R=${1#--dir=} ;;
    --profile) PROFILE=${2:?--profile needs a value}; shift ;;
    --profile=*) PROFILE=${1#--profile=} ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "$USAGE" >&2; exit 2 ;;
  esac
  shift
done
case "$PROFILE" in ''|basic|full) ;; *) echo "real-openstack: unknown profile '$PROFILE' (basic or full)" >&2; echo "$USAGE" >&2; exit 2 ;; esac
R=$(mkdir -p "$R" && cd "$R" && pwd)

SKIP_APT=${SKIP_APT:-0}
WITH_IMAGE=${WITH_IMAGE:-1}
KEYSTONE_PROCESSES=${KEYSTONE_PROCESSES:-2}
BOOTSTRAP_PASSWORD=${BOOTSTRAP_PASSWORD:-BootstrapPass123}
ADMIN_PASSWORD=${ADMIN_PASSWORD:-AdminPass123}
CAPI_USER_PASSWORD=${CAPI_USER_PASSWORD:-CapiPass123}
GLANCE_PASSWORD=${GLANCE_PASSWORD:-GlancePass123}
HOST=127.0.0.1
KS_URL=http://$HOST:5000/v3
GLANCE_URL=http://$HOST:9292
IMAGE_NAME=ubuntu-jammy-kube-v1.34.8
STATE=$R/real-openstack.json
REPO=$(cd "$(dirname "$0")/.." && pwd)

export DEBIAN_FRONTEND=noninteractive
# Debian's OpenStack tools are /usr/bin/python3 scripts; keep pyenv & co. out of the way.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Never let a proxy setting route loopback traffic elsewhere.
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY OS_CLOUD OS_CLIENT_CONFIG_FILE
for v in $(compgen -e | grep '^OS_' || true); do unset "$v"; done
OSC=/usr/bin/openstack

TIMINGS=$R/timings.log
log() { printf '[%(%H:%M:%S)T] real-openstack: %s\n' -1 "$*" >&2; }
now() { date +%s.%N; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a-b}'; }
T_ALL=$(now)
T_STEP=$T_ALL
step_done() { local t; t=$(now); printf '%-36s %6s s\n' "$1" "$(minus "$t" "$T_STEP")" | tee -a "$TIMINGS" >&2; T_STEP=$t; }

pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop_pidfile() { # $1 = pidfile; kill that PID only, wait up to 10 s, then SIGKILL
  local f=$1 p
  if pid_alive "$f"; then
    p=$(cat "$f"); log "stopping PID $p ($(basename "$f"))"; kill "$p" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then log "PID $p still alive, SIGKILL"; kill -9 "$p" 2>/dev/null || true; fi
  fi
  rm -f "$f"
}
http_code() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" 2>/dev/null || true; }
wait_http() { # $1 url, $2 seconds: any HTTP answer below 500
  local c
  for _ in $(seq 1 $(( $2 * 10 ))); do
    c=$(http_code "$1"); if [ -n "$c" ] && [ "$c" != 000 ] && [ "$c" -lt 500 ]; then return 0; fi; sleep 0.1
  done
  return 1
}
pss_mb() {
  local p=$1 total=0 k c
  for c in $p $(pgrep -P "$p" || true); do
    k=$(awk '/^Pss:/{print $2}' "/proc/$c/smaps_rollup" 2>/dev/null || echo 0); total=$(( total + ${k:-0} ))
  done
  echo $(( total / 1024 ))
}
port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
json_get() { /usr/bin/python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$@"; }
# POST /v3/auth/tokens with a password; prints the token (X-Subject-Token) or fails.
ks_token() { # $1 user $2 user-domain $3 password $4 project $5 project-domain
  local body
  body=$(printf '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"%s","domain":{"name":"%s"},"password":"%s"}}},"scope":{"project":{"name":"%s","domain":{"name":"%s"}}}}}' "$@")
  curl -s -m 10 -D - -o /dev/null -H 'Content-Type: application/json' -d "$body" "$KS_URL/auth/tokens?nocatalog" \
    | tr -d '\r' | awk 'tolower($1)=="x-subject-token:"{print $2; f=1} END{exit !f}'
}

stop_all() { full_stop; stop_pidfile "$R/glance.pid"; stop_pidfile "$R/keystone.pid"; }
state_profile() { [ -s "$STATE" ] && json_get "$STATE" profile 2> /dev/null || echo basic; }

healthy() { # running instances that this DIR describes and that still accept its credentials
  [ -s "$STATE" ] && pid_alive "$R/keystone.pid" && pid_alive "$R/glance.pid" || return 1
  [ "$(http_code "$KS_URL")" = 200 ] || return 1
  case "$(http_code "$GLANCE_URL/versions")" in 200|300) ;; *) return 1 ;; esac
  ks_token capi-user capi "$CAPI_USER_PASSWORD" capi-mgmt capi > /dev/null || return 1
  [ "${1:-basic}" = full ] || return 0
  [ "$(state_profile)" = full ] && full_healthy || return 1
  # the service users exist in this Keystone (a basic `up` since would have recreated it)
  ks_token magnum Default "$SERVICE_PASSWORD" service Default > /dev/null || return 1
  # 2: all is well but the catalog (another tool re-pointed or removed our endpoints): repairable
  catalog_objects check-catalog 2> /dev/null || return 2
}
catalog_objects() { HOST=$HOST ADMIN_PASSWORD=$ADMIN_PASSWORD /usr/bin/python3 "$REPO/scripts/real-openstack/objects.py" "$1"; }

# PSS (kB) and CPU (clock ticks, user+sys) summed over a process tree: "pss_kb ticks nproc"
tree_usage() {
  local pss=0 ticks=0 n=0 p k t
  for p in $(tree_pids "$1"); do
    k=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2> /dev/null || true)
    t=$(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2> /dev/null || true)
    pss=$(( pss + ${k:-0} )); ticks=$(( ticks + ${t:-0} )); n=$(( n + 1 ))
  done
  echo "$pss $ticks $n"
}
# Every service of the profile that runs: name, PID, PSS, CPU seconds, processes; then the total.
usage_table() {
  local hz tp=0 tt=0 tn=0 name f p a b c
  hz=$(getconf CLK_TCK)
  printf '  %-24s %8s %8s %8s %5s\n' SERVICE PID PSS_MB CPU_S PROCS
  while read -r name f; do
    [ -s "$f" ] || continue
    p=$(cat "$f")
    if kill -0 "$p" 2> /dev/null; then
      read -r a b c < <(tree_usage "$p"); tp=$(( tp + a )); tt=$(( tt + b )); tn=$(( tn + c ))
      printf '  %-24s %8s %8d %8.1f %5d\n' "$name" "$p" $(( a / 1024 )) "$(awk -v t="$b" -v h="$hz" 'BEGIN{print t/h}')" "$c"
    else
      printf '  %-24s %8s %s\n' "$name" "$p" DEAD
    fi
  done < <(echo "keystone $R/keystone.pid"; echo "glance $R/glance.pid"; full_pidfiles)
  printf '  %-24s %8s %8d %8.1f %5d\n' TOTAL - $(( tp / 1024 )) "$(awk -v t="$tt" -v h="$hz" 'BEGIN{print t/h}')" "$tn"
  free -m | awk 'NR==2{printf "  system memory used %d MB of %d MB\n", $3, $2}'
}
status_all() {
  local prof; prof=${PROFILE:-$(state_profile)}
  echo "profile: $(state_profile) ($R)"
  [ -s "$R/resources.txt" ] && head -1 "$R/resources.txt"
  usage_table
  if healthy "$prof"; then echo "healthy: yes ($STATE)"; else echo "healthy: no"; return 1; fi
}

# shellcheck source=scripts/real-openstack/full.sh
. "$REPO/scripts/real-openstack/full.sh"

# One `up`/`ensure` at a time per machine (ports are machine-wide): concurrent test processes
# wait here, then find the services healthy and reuse them. The daemons are started with fd 9
# closed, or they would hold the lock for as long as they run.
exec 9> "${TMPDIR:-/tmp}/capi-gate-real-openstack.lock"
# Nor may they inherit any other descriptor of the caller's: `flock /tmp/capi-gate-sim.lock bash
# scripts/real-openstack.sh up` (without -o) hands its locked fd (3) to the script, and every daemon
# would hold the machine lock until stopped (2026-12-07 03:34: every test on the machine blocked).
# The caller keeps its own copy: closing ours releases nothing.
for _fd in $(ls /proc/$$/fd); do
  case $_fd in 0|1|2|9|255) ;; *) eval "exec $_fd>&-" 2> /dev/null || true ;; esac
done
case "$CMD" in
  status) status_all; exit $? ;;
  # stop takes no lock: it only kills PIDs from this DIR's PID files
  stop) stop_all; exit 0 ;;
  ensure)
    flock -w 900 9 || { echo "real-openstack: another up/ensure held the lock for 15 min" >&2; exit 1; }
    rc=0; healthy "${PROFILE:-basic}" || rc=$?
    if [ $rc = 2 ]; then
      log "the catalog no longer points at this control plane (re-pointed by another tool?): repairing it"
      catalog_objects repair-catalog && rc=0
    fi
    if [ $rc = 0 ]; then echo "$R"; log "reusing healthy instances, profile $(state_profile) ($(minus "$(now)" "$T_ALL") s)"; exit 0; fi
    log "no healthy instances (profile ${PROFILE:-basic}) in $R; starting" ;;
  up) flock -w 900 9 || { echo "real-openstack: another up/ensure held the lock for 15 min" >&2; exit 1; } ;;
esac

# ---------------------------------------------------------------- 0. can we run here at all?
PROFILE=${PROFILE:-basic}
if [ "$(id -u)" != 0 ]; then echo "real-openstack: needs root (installs Debian packages, writes /etc/keystone, /etc/glance)" >&2; exit 3; fi
[ -r /etc/debian_version ] || { echo "real-openstack: needs Debian (bookworm)" >&2; exit 3; }
: > "$TIMINGS"
rm -f "$STATE"

# ---------------------------------------------------------------- 1. packages (only when missing)
PKGS=(keystone uwsgi-core uwsgi-plugin-python3 glance-api qemu-utils python3-openstackclient curl util-linux)
[ "$PROFILE" = full ] && PKGS+=("${FULL_PKGS[@]}")
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$SKIP_APT" = 1 ] || ! command -v apt-get > /dev/null; then
    echo "real-openstack: missing packages ${missing[*]} and no apt-get (or SKIP_APT=1)" >&2; exit 3
  fi
  apt-get update -qq || { echo "real-openstack: apt-get update failed" >&2; exit 3; }
  step_done "apt-get update"
  # Keep maintainer scripts from starting the packaged daemons (they would grab :5000/:9292 ...).
  TMP_POLICY=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; TMP_POLICY=1
  fi
  rc=0
  apt-get install -y -qq --no-install-recommends "${missing[@]}" > "$R/apt-install.log" 2>&1 || rc=$?
  if [ $TMP_POLICY = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ $rc != 0 ]; then tail -30 "$R/apt-install.log" >&2; echo "real-openstack: apt-get install failed" >&2; exit 3; fi
  step_done "apt-get install (${#missing[@]} pkgs)"
fi

# ---------------------------------------------------------------- 2. stop old instances
stop_all
for port in 5000 9292; do
  if port_busy $port; then echo "real-openstack: $HOST:$port is in use by something this script did not start; aborting" >&2; exit 4; fi
done
[ "$PROFILE" = full ] && { full_ports_free || exit 4; }
step_done "stop previous instances"

# ---------------------------------------------------------------- 2b. full: MariaDB, RabbitMQ, DBs
# Nothing there needs Keystone: it runs while Keystone and Glance start.
FULL_BG_PID=
if [ "$PROFILE" = full ]; then
  mkdir -p "$F/log"
  ( full_configs && full_infra_and_sync ) > "$F/log/infra-and-sync.log" 2>&1 9>&- &
  FULL_BG_PID=$!
fi

# ---------------------------------------------------------------- 3. glance db (in the background)
mkdir -p /var/lib/glance/images /var/lib/glance/staging /var/lib/glance/tasks_work_dir /var/log/glance /var/lock/glance
[ -f "$R/glance-api.conf.pkg-orig" ] || cp /etc/glance/glance-api.conf "$R/glance-api.conf.pkg-orig"
cat > /etc/glance/glance-api.conf <<EOF
# written by capi-gate scripts/real-openstack.sh (package original: $R/glance-api.conf.pkg-orig)
[DEFAULT]
bind_host = $HOST
bind_port = 9292
workers = 1
log_dir = /var/log/glance
log_file = glance-api.log
enabled_backends = fs:file
enabled_import_methods = [glance-direct,web-download,copy-image]
[database]
connection = sqlite:////var/lib/glance/glance.db
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = /var/lib/glance/images/
[os_glance_staging_store]
filesystem_store_datadir = /var/lib/glance/staging/
[os_glance_tasks_store]
filesystem_store_datadir = /var/lib/glance/tasks_work_dir/
[keystone_authtoken]
www_authenticate_uri = http://$HOST:5000
auth_url = http://$HOST:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = glance
password = $GLANCE_PASSWORD
region_name = RegionOne
[paste_deploy]
flavor = keystone
# explicit: with a 2nd --config-file glance looks for a paste file named after the LAST one
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = /var/lock/glance
[oslo_policy]
policy_dirs = /etc/glance/policy.d
EOF
# glance-api reads this file only when given as a 2nd --config-file (the wsgi entry point would).
printf '[image_import_opts]\nimage_import_plugins = []\n' > /etc/glance/glance-image-import.conf
rm -f /var/lib/glance/glance.db /var/lib/glance/glance.db-wal /var/lib/glance/glance.db-shm
find /var/lib/glance/images /var/lib/glance/staging /var/lib/glance/tasks_work_dir -mindepth 1 -delete
(
  glance-manage --config-file /etc/glance/glance-api.conf db_sync > "$R/glance-manage.log" 2>&1
  # WAL: readers never block the writer (see keystone below)
  /usr/bin/python3 -c "import sqlite3; sqlite3.connect('/var/lib/glance/glance.db').execute('PRAGMA journal_mode=WAL')"
) &
GLANCE_DB_PID=$!

# ---------------------------------------------------------------- 4. keystone config + db
[ -f "$R/keystone.conf.pkg-orig" ] || cp /etc/keystone/keystone.conf "$R/keystone.conf.pkg-orig"
cat > /etc/keystone/keystone.conf <<EOF
# written by capi-gate scripts/real-openstack.sh (package original: $R/keystone.conf.pkg-orig)
[DEFAULT]
log_dir = /var/log/keystone
log_file = keystone.log
[database]
connection = sqlite:////var/lib/keystone/keystone.db
[identity]
# bcrypt cost 4 instead of 12: password auth ~60 ms instead of ~230 ms (test only)
password_hash_rounds = 4
[token]
provider = fernet
[fernet_tokens]
key_repository = /etc/keystone/fernet-keys/
[credential]
key_repository = /etc/keystone/credential-keys/
[oslo_policy]
policy_dirs = /etc/keystone/policy.d
EOF
if [ "$PROFILE" = full ]; then
  # Debian keystone >= 2:22.0.2-0+deb12u4 refuses trusts from application-credential tokens
  # ("Delegated tokens cannot manage trusts", 403), so Magnum's cluster create as the app-cred
  # user ends CREATE_FAILED "Failed to create trustee or trust". Test only: allow it again.
  printf '[security_compliance]\nallow_insecure_application_credential_trust_escalation = true\n' >> /etc/keystone/keystone.conf
fi
mkdir -p /var/lib/keystone /var/log/keystone
rm -f /var/lib/keystone/keystone.db /var/lib/keystone/keystone.db-wal /var/lib/keystone/keystone.db-shm
# keystone-manage ends with a harmless eventlet "getcurrent" traceback: keep it in the log.
km() { keystone-manage "$@" >> "$R/keystone-manage.log" 2>&1 || { tail -30 "$R/keystone-manage.log" >&2; return 1; }; }
: > "$R/keystone-manage.log"
km db_sync
# REQUIRED: keystone leaks a read transaction after token requests; in rollback-journal mode
# that lock makes every later write fail ("database is locked" -> HTTP 500 after 5 s).
/usr/bin/python3 -c "import sqlite3; sqlite3.connect('/var/lib/keystone/keystone.db').execute('PRAGMA journal_mode=WAL')"
km fernet_setup --keystone-user keystone --keystone-group keystone
km credential_setup --keystone-user keystone --keystone-group keystone
step_done "keystone db_sync + keys"
km bootstrap --bootstrap-password "$BOOTSTRAP_PASSWORD" \
  --bootstrap-admin-url "$KS_URL/" --bootstrap-internal-url "$KS_URL/" \
  --bootstrap-public-url "$KS_URL/" --bootstrap-region-id RegionOne
step_done "keystone-manage bootstrap"

# ---------------------------------------------------------------- 5. keystone (uwsgi)
# --threads 1: SQLite objects may not cross threads; --lazy-apps: no SQLite handle shared
# across fork; Connection: close: uwsgi's http-socket closes after each response without
# saying so, and keep-alive clients (python-requests, undici) then hit ECONNRESET.
UWSGI=/usr/bin/uwsgi_python311; [ -x "$UWSGI" ] || UWSGI=/usr/bin/uwsgi_python3
setsid nohup "$UWSGI" --http-socket "$HOST:5000" \
  --wsgi-file /usr/bin/keystone-wsgi-public --master --processes "$KEYSTONE_PROCESSES" --threads 1 \
  --lazy-apps --die-on-term --buffer-size 65535 --add-header 'Connection: close' \
  --pidfile "$R/keystone.pid" --logto "$R/keystone-uwsgi.log" > /dev/null 2>&1 < /dev/null 9>&- &
wait_http "$KS_URL" 60 || { tail -30 "$R/keystone-uwsgi.log" >&2; exit 1; }
for _ in $(seq 1 50); do [ -s "$R/keystone.pid" ] && break; sleep 0.1; done
step_done "keystone start (uwsgi ready)"

# ---------------------------------------------------------------- 6. glance-api (eventlet)
wait "$GLANCE_DB_PID" || { tail -20 "$R/glance-manage.log" >&2; exit 1; }
setsid nohup /usr/bin/glance-api --config-file /etc/glance/glance-api.conf \
  --config-file /etc/glance/glance-image-import.conf > "$R/glance-api.stdout.log" 2>&1 < /dev/null 9>&- &
echo $! > "$R/glance.pid"
step_done "glance db_sync; glance-api launched"

# ---------------------------------------------------------------- 7. objects (one openstack process)
UNSET_AC='unset OS_CLOUD OS_AUTH_TYPE OS_APPLICATION_CREDENTIAL_ID OS_APPLICATION_CREDENTIAL_SECRET OS_APPLICATION_CREDENTIAL_NAME OS_TOKEN'
UNSET_PW='unset OS_CLOUD OS_USERNAME OS_USER_ID OS_PASSWORD OS_PROJECT_NAME OS_PROJECT_ID OS_TENANT_NAME OS_TENANT_ID OS_USER_DOMAIN_NAME OS_USER_DOMAIN_ID OS_PROJECT_DOMAIN_NAME OS_PROJECT_DOMAIN_ID OS_DOMAIN_NAME OS_DOMAIN_ID OS_SYSTEM_SCOPE OS_TOKEN'
openrc_pw() { # $1 user $2 user-domain $3 password $4 project $5 project-domain
  cat <<EOF
$UNSET_AC
export OS_AUTH_URL=$KS_URL
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=$1
export OS_PASSWORD=$3
export OS_USER_DOMAIN_NAME=$2
export OS_PROJECT_NAME=$4
export OS_PROJECT_DOMAIN_NAME=$5
export OS_REGION_NAME=RegionOne
export OS_INTERFACE=public
EOF
}
openrc_pw admin Default "$BOOTSTRAP_PASSWORD" admin Default > "$R/openrc-bootstrap"
openrc_pw admin admin_domain "$ADMIN_PASSWORD" admin admin_domain > "$R/openrc-admin"
openrc_pw capi-user capi "$CAPI_USER_PASSWORD" capi-mgmt capi > "$R/openrc-tenant"
as_rc() { local rc=$1; shift; ( set +u; . "$R/$rc"; "$OSC" "$@" ); }

as_rc openrc-bootstrap > "$R/bootstrap-objects.log" 2>&1 <<EOF
role create --or-show load-balancer_member
role create --or-show reader
role create --or-show member
domain create --or-show admin_domain
project create --or-show --domain admin_domain admin
user create --or-show --domain admin_domain --password $ADMIN_PASSWORD admin
role add --user admin --user-domain admin_domain --project admin --project-domain admin_domain admin
domain create --or-show capi
project create --or-show --domain capi capi-mgmt
user create --or-show --domain capi --password $CAPI_USER_PASSWORD capi-user
role add --user capi-user --user-domain capi --project capi-mgmt --project-domain capi member
role add --user capi-user --user-domain capi --project capi-mgmt --project-domain capi reader
role add --user capi-user --user-domain capi --project capi-mgmt --project-domain capi load-balancer_member
role add --user admin --user-domain admin_domain --project capi-mgmt --project-domain capi admin
role add --user admin --user-domain admin_domain --project capi-mgmt --project-domain capi member
role add --user admin --user-domain admin_domain --project capi-mgmt --project-domain capi reader
project create --or-show --domain Default service
user create --or-show --domain Default --password $GLANCE_PASSWORD glance
role add --user glance --user-domain Default --project service --project-domain Default admin
service create --name glance image
endpoint create --region RegionOne image public $GLANCE_URL
endpoint create --region RegionOne image internal $GLANCE_URL
endpoint create --region RegionOne image admin $GLANCE_URL
EOF
n=$(as_rc openrc-bootstrap role assignment list --user capi-user --user-domain capi --project capi-mgmt --project-domain capi -f value -c Role | wc -l)
[ "$n" -ge 3 ] || { echo "real-openstack: capi-user has $n role assignments (want 3):" >&2; cat "$R/bootstrap-objects.log" >&2; exit 1; }
step_done "domains/projects/users/roles/endpoints"

# ---------------------------------------------------------------- 8. application credential
# Created BY capi-user, scoped to capi-mgmt, only with roles it holds there.
as_rc openrc-tenant application credential create --role member --role load-balancer_member --role reader \
  --description 'capi-gate real-openstack.sh' -f json capi-appcred > "$R/appcred.json"
chmod 600 "$R/appcred.json"
AC_ID=$(json_get "$R/appcred.json" id)
AC_SECRET=$(json_get "$R/appcred.json" secret)
cat > "$R/openrc-appcred" <<EOF
# an application credential carries its own scope: any leftover OS_PROJECT_*/OS_USERNAME
# makes keystone answer 401 "Application credentials cannot request a scope"
$UNSET_PW
export OS_AUTH_TYPE=v3applicationcredential
export OS_AUTH_URL=$KS_URL
export OS_IDENTITY_API_VERSION=3
export OS_APPLICATION_CREDENTIAL_ID=$AC_ID
export OS_APPLICATION_CREDENTIAL_SECRET=$AC_SECRET
export OS_REGION_NAME=RegionOne
export OS_INTERFACE=public
EOF
step_done "application credential"

# ---------------------------------------------------------------- 9. glance ready + kube image
wait_http "$GLANCE_URL/versions" 60 || { tail -30 "$R/glance-api.stdout.log" /var/log/glance/glance-api.log >&2; exit 1; }
ADMIN_TOKEN=$(ks_token admin admin_domain "$ADMIN_PASSWORD" admin admin_domain) || { echo "real-openstack: admin cannot authenticate" >&2; exit 1; }
PROJECT_ID=$(curl -s -m 10 -H "X-Auth-Token: $ADMIN_TOKEN" "$KS_URL/projects?name=capi-mgmt" \
  | /usr/bin/python3 -c 'import json,sys; p=json.load(sys.stdin)["projects"]; print(p[0]["id"] if len(p)==1 else "")')
[ -n "$PROJECT_ID" ] || { echo "real-openstack: capi-mgmt not found" >&2; exit 1; }
step_done "glance-api ready"
IMAGE_ID=""
if [ "$WITH_IMAGE" = 1 ]; then
  [ -f "$R/kube-image.qcow2" ] || qemu-img create -q -f qcow2 "$R/kube-image.qcow2" 64M
  # the same three calls as `openstack image create --import --file` (api-notes §4.5), via curl
  IMAGE_ID=$(curl -s -m 20 -H "X-Auth-Token: $ADMIN_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$IMAGE_NAME\",\"disk_format\":\"qcow2\",\"container_format\":\"bare\",\"visibility\":\"public\",\"os_distro\":\"ubuntu\",\"kube_version\":\"v1.34.8\"}" \
    "$GLANCE_URL/v2/images" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') \
    || { echo "real-openstack: glance image create failed" >&2; tail -20 /var/log/glance/glance-api.log >&2; exit 1; }
  curl -sf -m 30 -X PUT -H "X-Auth-Token: $ADMIN_TOKEN" -H 'Content-Type: application/octet-stream' \
    --data-binary "@$R/kube-image.qcow2" "$GLANCE_URL/v2/images/$IMAGE_ID/stage" > /dev/null
  curl -sf -m 20 -H "X-Auth-Token: $ADMIN_TOKEN" -H 'Content-Type: application/json' \
    -d '{"method":{"name":"glance-direct"}}' "$GLANCE_URL/v2/images/$IMAGE_ID/import" > /dev/null
  st=""
  for _ in $(seq 1 120); do
    st=$(curl -s -m 10 -H "X-Auth-Token: $ADMIN_TOKEN" "$GLANCE_URL/v2/images/$IMAGE_ID" \
         | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null || true)
    [ "$st" = active ] && break; [ "$st" = killed ] && break; sleep 0.25
  done
  [ "$st" = active ] || { echo "real-openstack: image $IMAGE_ID ended '$st'" >&2; tail -30 /var/log/glance/glance-api.log >&2; exit 1; }
  step_done "glance image import -> active"
fi

# ---------------------------------------------------------------- 9b. full: services and objects
FULL_JSON=""
if [ "$PROFILE" = full ]; then
  [ -n "$IMAGE_ID" ] || { echo "real-openstack: the full profile needs the image (WITH_IMAGE=1): Magnum validates it" >&2; exit 1; }
  if ! wait "$FULL_BG_PID"; then
    echo "real-openstack: MariaDB/RabbitMQ/DB sync failed (log $F/log/infra-and-sync.log):" >&2; tail -30 "$F/log/infra-and-sync.log" >&2; exit 1
  fi
  grep '^\[full\]' "$F/log/infra-and-sync.log" >&2 || true
  step_done "[full] waited for MariaDB/RabbitMQ/DB syncs"
  export HOST ADMIN_PASSWORD CAPI_USER_PASSWORD SERVICE_PASSWORD MEMBER2_PASSWORD OTHER_PASSWORD
  KS_OBJECTS=$(/usr/bin/python3 "$REPO/scripts/real-openstack/objects.py" keystone 2> "$F/log/objects-keystone.log") \
    || { cat "$F/log/objects-keystone.log" >&2; exit 1; }
  OTHER_PROJECT_ID=$(json_get <(echo "$KS_OBJECTS") otherProjectId)
  ACU_ID=$(json_get <(echo "$KS_OBJECTS") appCredUnrestricted.id)
  ACU_SECRET=$(json_get <(echo "$KS_OBJECTS") appCredUnrestricted.secret)
  step_done "[full] keystone: service users, roles, catalog"
  full_start_daemons || { echo "real-openstack: the full profile's services did not start (logs $F/log)" >&2; exit 1; }
  [ -s "$R/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C capi-mgmt-key -f "$R/id_ed25519"
  SEED=$(KEYPAIR_PUB=$R/id_ed25519.pub IMAGE_ID=$IMAGE_ID /usr/bin/python3 "$REPO/scripts/real-openstack/objects.py" seed 2> "$F/log/objects-seed.log") \
    || { cat "$F/log/objects-seed.log" >&2; exit 1; }
  echo "$SEED" > "$F/seed.json"
  MGMT_FIP=$(json_get "$F/seed.json" mgmtVm.fip)
  # The FIP is an address of the fake data plane (provider-ext): nothing answers there, and an SSH
  # probe to it would leave loopback. capi-gate's D-011.3 reads this file, so it gets 127.0.0.1.
  printf '# the management VM capi-mgmt-v2 has the Neutron floating IP %s (fake data plane)\nMGMT_FIP=127.0.0.1\n' "$MGMT_FIP" > "$R/capi-mgmt-net.env"
  : > "$R/known_hosts"
  step_done "[full] flavors, provider-ext, keypair, management VM + FIP"
  FULL_JSON=$(cat <<EOF
  "placement": "http://$HOST:8778",
  "nova": "http://$HOST:8774/v2.1",
  "neutron": "http://$HOST:9696",
  "octavia": "http://$HOST:9876",
  "magnum": "http://$HOST:9511/v1",
  "siteFile": "$R/site.yaml",
  "appCredUnrestricted": {"cloud": "real-appcred-unrestricted", "id": "$ACU_ID", "name": "capi-appcred-unrestricted", "secret": "$ACU_SECRET"},
  "member2": {"cloud": "real-member2", "username": "capi-user2", "password": "$MEMBER2_PASSWORD", "userDomainName": "capi", "projectName": "capi-mgmt", "projectDomainName": "capi", "roles": ["member", "reader", "load-balancer_member"]},
  "plainMember": {"cloud": "real-plain", "username": "capi-plain", "password": "$MEMBER2_PASSWORD", "userDomainName": "capi", "projectName": "capi-mgmt", "projectDomainName": "capi", "roles": ["member", "reader"]},
  "other": {"cloud": "real-other", "username": "capi-other-user", "password": "$OTHER_PASSWORD", "userDomainName": "capi", "projectName": "capi-other", "projectDomainName": "capi", "projectId": "$OTHER_PROJECT_ID", "roles": ["member", "reader", "load-balancer_member"]},
  "seed": $SEED,
  "magnumDriver": {"createTicks": $MAGNUM_CREATE_TICKS, "deleteTicks": $MAGNUM_DELETE_TICKS, "syncSeconds": 10, "healthSyncSeconds": 60, "apiAddress": "$MAGNUM_API_ADDRESS", "callsLog": "$F/log/magnum-driver-calls.log"},
  "octaviaHeartbeatSeconds": $HEARTBEAT_INTERVAL,
  "logs": "$F/log",
EOF
)
fi

# ---------------------------------------------------------------- 10. clouds.yaml + state
cat > "$R/clouds.yaml" <<EOF
# written by capi-gate scripts/real-openstack.sh; OS_CLIENT_CONFIG_FILE=$R/clouds.yaml
clouds:
  real-admin:
    auth: {auth_url: "$KS_URL", username: admin, password: "$ADMIN_PASSWORD", user_domain_name: admin_domain, project_name: admin, project_domain_name: admin_domain}
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  real-tenant:
    auth: {auth_url: "$KS_URL", username: capi-user, password: "$CAPI_USER_PASSWORD", user_domain_name: capi, project_name: capi-mgmt, project_domain_name: capi}
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  real-appcred:
    auth_type: v3applicationcredential
    auth: {auth_url: "$KS_URL", application_credential_id: "$AC_ID", application_credential_secret: "$AC_SECRET"}
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  real-bootstrap:
    auth: {auth_url: "$KS_URL", username: admin, password: "$BOOTSTRAP_PASSWORD", user_domain_name: Default, project_name: admin, project_domain_name: Default}
    region_name: RegionOne
    interface: public
    identity_api_version: 3
EOF
if [ "$PROFILE" = full ]; then
  cat >> "$R/clouds.yaml" <<EOF
  real-appcred-unrestricted:
    auth_type: v3applicationcredential
    auth: {auth_url: "$KS_URL", application_credential_id: "$ACU_ID", application_credential_secret: "$ACU_SECRET"}
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  real-member2:
    auth: {auth_url: "$KS_URL", username: capi-user2, password: "$MEMBER2_PASSWORD", user_domain_name: capi, project_name: capi-mgmt, project_domain_name: capi}
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  real-plain:
    auth: {auth_url: "$KS_URL", username: capi-plain, password: "$MEMBER2_PASSWORD", user_domain_name: capi, project_name: capi-mgmt, project_domain_name: capi}
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  real-other:
    auth: {auth_url: "$KS_URL", username: capi-other-user, password: "$OTHER_PASSWORD", user_domain_name: capi, project_name: capi-other, project_domain_name: capi}
    region_name: RegionOne
    interface: public
    identity_api_version: 3
EOF
  write_site_yaml
fi
chmod 600 "$R/clouds.yaml" "$R"/openrc-*
cat > "$STATE.tmp" <<EOF
{
  "version": 1,
  "profile": "$PROFILE",
  "dir": "$R",
$FULL_JSON
  "keystone": "$KS_URL",
  "glance": "$GLANCE_URL",
  "region": "RegionOne",
  "cloudsFile": "$R/clouds.yaml",
  "admin": {"cloud": "real-admin", "username": "admin", "password": "$ADMIN_PASSWORD", "userDomainName": "admin_domain", "projectName": "admin", "projectDomainName": "admin_domain"},
  "tenant": {"cloud": "real-tenant", "username": "capi-user", "password": "$CAPI_USER_PASSWORD", "userDomainName": "capi", "projectName": "capi-mgmt", "projectDomainName": "capi", "projectId": "$PROJECT_ID", "roles": ["member", "reader", "load-balancer_member"]},
  "appCred": {"cloud": "real-appcred", "id": "$AC_ID", "name": "capi-appcred", "secret": "$AC_SECRET"},
  "bootstrap": {"cloud": "real-bootstrap", "username": "admin", "password": "$BOOTSTRAP_PASSWORD", "userDomainName": "Default", "projectName": "admin", "projectDomainName": "Default"},
  "image": {"name": "$IMAGE_NAME", "id": "$IMAGE_ID"},
  "pids": {"keystone": $(cat "$R/keystone.pid"), "glance": $(cat "$R/glance.pid")},
  "startedAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
EOF
chmod 600 "$STATE.tmp"
mv "$STATE.tmp" "$STATE"

TOTAL=$(minus "$(now)" "$T_ALL")
printf '%-36s %6s s\n' TOTAL "$TOTAL" | tee -a "$TIMINGS" >&2
times > "$R/.times"   # not in $(...): a subshell has no children of its own
SETUP_CPU=$(awk 'NR==2{print $1" user, "$2" sys"}' "$R/.times"); rm -f "$R/.times"
{
  echo "started in $TOTAL s (profile $PROFILE); CPU of the setup commands: $SETUP_CPU; services below (CPU_S since their start)"
  usage_table
} | tee "$R/resources.txt" >&2
cat >&2 <<EOF
READY.
  keystone  $KS_URL   pid $(cat "$R/keystone.pid")  PSS $(pss_mb "$(cat "$R/keystone.pid")") MB  logs $R/keystone-uwsgi.log /var/log/keystone/keystone.log
  glance    $GLANCE_URL      pid $(cat "$R/glance.pid")  PSS $(pss_mb "$(cat "$R/glance.pid")") MB  logs /var/log/glance/glance-api.log
  capi-mgmt project id $PROJECT_ID; image $IMAGE_NAME $IMAGE_ID
  OS_CLIENT_CONFIG_FILE=$R/clouds.yaml openstack --os-cloud {real-admin|real-tenant|real-appcred} ...
  . $R/openrc-{admin,tenant,appcred}; state: $STATE
  stop: bash $0 stop --dir $R
EOF
if [ "$PROFILE" = full ]; then
  cat >&2 <<EOF
  full: placement :8778  nova :8774  neutron :9696  octavia :9876  magnum :9511 (all $HOST); logs $F/log
  capi-gate plan --site $R/site.yaml   (OS_CLIENT_CONFIG_FILE=$R/clouds.yaml; clouds also real-member2 real-plain real-other)
EOF
fi
echo "$R"
