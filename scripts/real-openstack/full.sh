# full.sh - sourced by scripts/real-openstack.sh for `--profile full`: MariaDB, RabbitMQ,
# Placement, Nova (fake driver), Neutron (ML2, no agents), Octavia (noop drivers + heartbeats) and
# Magnum (test driver) from Debian 12 packages, every bind and URL on 127.0.0.1, state under
# $F = $R/full (datadirs, configs, logs, PID files). Written after ../shared/reference
# real-control-plane (see docs there for the gotchas each line below avoids).
# Uses from the caller: R HOST REPO log step_done pid_alive stop_pidfile wait_http port_busy.

F=$R/full
P=$F/pids
PYLIB=$REPO/test/real/pylib
SERVICE_PASSWORD=${SERVICE_PASSWORD:-ServicePass123}
MEMBER2_PASSWORD=${MEMBER2_PASSWORD:-Member2Pass123}
OTHER_PASSWORD=${OTHER_PASSWORD:-OtherPass123}
MAGNUM_CREATE_TICKS=${MAGNUM_CREATE_TICKS:-2}
MAGNUM_DELETE_TICKS=${MAGNUM_DELETE_TICKS:-1}
MAGNUM_API_ADDRESS=${MAGNUM_API_ADDRESS:-https://127.0.0.1:6443}
HEARTBEAT_INTERVAL=${HEARTBEAT_INTERVAL:-5}
# Workers per API and per Magnum conductor (see header of ../real-openstack.sh): 1 keeps CI's memory
# and start time; a Charmed site has worker-multiplier x cores (charm default 2 x cores, at most 4
# in a container): 4 on this 2-core machine.
API_PROCESSES=${REAL_OPENSTACK_API_PROCESSES:-1}
[[ "$API_PROCESSES" =~ ^[1-9][0-9]?$ ]] || { echo "real-openstack: REAL_OPENSTACK_API_PROCESSES must be 1-99 (got '$API_PROCESSES')" >&2; exit 2; }
UWSGI=/usr/bin/uwsgi_python311; [ -x "$UWSGI" ] || UWSGI=/usr/bin/uwsgi_python3
FULL_PKGS=(mariadb-server python3-pymysql rabbitmq-server placement-api nova-api nova-conductor nova-scheduler nova-compute
  nova-compute-ironic neutron-server octavia-api octavia-worker octavia-health-manager octavia-housekeeping
  magnum-api magnum-conductor python3-octaviaclient python3-magnumclient openssh-client)
# Every daemon of the profile, by PID file name, in stop order (API first, then the workers).
FULL_DAEMONS=(magnum-api magnum-conductor octavia-heartbeats octavia-api octavia-worker octavia-health-manager
  octavia-housekeeping nova-api nova-compute nova-scheduler nova-conductor placement-api neutron-server)
# name port path: each API must answer below 500
FULL_APIS=("placement 8778 /" "nova 8774 /" "neutron 9696 /" "octavia 9876 /" "magnum 9511 /")
FULL_PORTS=(3306 5672 25672 8778 8774 9696 9876 9511)
DB_URL() { echo "mysql+pymysql://$1:$SERVICE_PASSWORD@$HOST/$2"; }
RABBIT_URL="rabbit://openstack:$SERVICE_PASSWORD@$HOST:5672/"
mysql_root() { mysql --no-defaults -S "$F/mysql/mysqld.sock" -uroot "$@"; }
rabbit_env() {
  local Q=$F/rabbitmq
  export HOME=$Q RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=$HOST RABBITMQ_NODE_PORT=5672 \
    RABBITMQ_DIST_PORT=25672 ERL_EPMD_ADDRESS=$HOST ERL_EPMD_PORT=4369 \
    RABBITMQ_MNESIA_BASE=$Q/mnesia RABBITMQ_LOG_BASE=$Q/log RABBITMQ_PID_FILE=$Q/rabbitmq.pid \
    RABBITMQ_ENABLED_PLUGINS_FILE=$Q/enabled_plugins RABBITMQ_CONFIG_FILE=$Q/rabbitmq \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
}
rabbitmqctl_() { ( rabbit_env; /usr/lib/rabbitmq/bin/rabbitmqctl "$@" ); }

# start_daemon NAME CMD...: own session, no lock fd, PID recorded
start_daemon() {
  local n=$1; shift
  setsid nohup "$@" > "$F/log/$n.out.log" 2>&1 < /dev/null 9>&- &
  echo $! > "$P/$n.pid"
}
# start_uwsgi NAME PORT WSGI-FILE [uwsgi args...]: API_PROCESSES processes (1 by default, as the
# reference measured), one thread each
start_uwsgi() {
  local n=$1 port=$2 wsgi=$3; shift 3
  setsid nohup "$UWSGI" --http-socket "$HOST:$port" --wsgi-file "$wsgi" "$@" \
    --master --processes "$API_PROCESSES" --threads 1 --lazy-apps --die-on-term --buffer-size 65535 --add-header 'Connection: close' \
    --pidfile "$P/$n.pid" --logto "$F/log/$n-uwsgi.log" > /dev/null 2>&1 < /dev/null 9>&- &
}
ksauth() { # [section] body for password auth as service user $1
  cat <<EOA
auth_url = http://$HOST:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $SERVICE_PASSWORD
region_name = RegionOne
EOA
}

# A PID file's process is ours only if it still is what we started: its command line names this
# state directory (epmd's does not: it is matched by name). A stale file whose PID the kernel gave to
# another process since (a reboot, a CI run after the session's processes were ended) is not ours.
ours() {
  pid_alive "$1" || return 1
  local p c; p=$(cat "$1")
  case "$1" in
    */epmd.pid) [ "$(cat "/proc/$p/comm" 2> /dev/null)" = epmd ] ;;
    *) c=$(tr '\0' ' ' < "/proc/$p/cmdline" 2> /dev/null || true); [[ "$c" == *"$F"* ]] ;;
  esac
}

tree_pids() { local p=$1 c; echo "$p"; for c in $(pgrep -P "$p" 2>/dev/null); do tree_pids "$c"; done; }

full_stop() {
  local n f p all=()
  for n in "${FULL_DAEMONS[@]}"; do
    f=$P/$n.pid
    if ours "$f"; then p=$(cat "$f"); all+=($(tree_pids "$p")); log "stopping $n (PID $p)"; kill "$p" 2>/dev/null || true; fi
    rm -f "$f"
  done
  # masters stop their workers; wait for the recorded trees, then SIGKILL what is left, by PID
  for _ in $(seq 1 200); do
    local alive=0; for p in "${all[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.1
  done
  for p in "${all[@]}"; do kill -0 "$p" 2>/dev/null && { log "SIGKILL $p"; kill -9 "$p" 2>/dev/null || true; }; done
  if ours "$F/rabbitmq/rabbitmq.pid"; then
    log "stopping rabbitmq (PID $(cat "$F/rabbitmq/rabbitmq.pid"))"
    rabbitmqctl_ -q stop "$F/rabbitmq/rabbitmq.pid" > /dev/null 2>&1 || stop_pidfile "$F/rabbitmq/rabbitmq.pid"
  fi
  rm -f "$F/rabbitmq/rabbitmq.pid"
  local f
  for f in "$F/rabbitmq/epmd.pid" "$F/mysql/mysqld.pid"; do
    if ours "$f"; then stop_pidfile "$f"; else rm -f "$f"; fi
  done
}

full_ports_free() {
  local port
  for port in "${FULL_PORTS[@]}"; do
    if port_busy "$port"; then echo "real-openstack: $HOST:$port is in use by something this script did not start; aborting" >&2; return 4; fi
  done
}

# ------------------------------------------------------------------ configs
full_configs() {
  mkdir -p "$F/log" "$P" "$F/lock" "$F/octavia/certs" "$F/nova/state/instances" "$F/neutron/state" "$F/magnum" "$F/placement"
  if [ ! -s "$F/octavia/certs/ca.key" ]; then   # the worker signs (fake) amphora certs even with noop drivers
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=capi-gate-octavia-test-ca \
      -keyout "$F/octavia/certs/ca.key" -out "$F/octavia/certs/ca.pem" 2>/dev/null
  fi
  cat > "$F/octavia/octavia.conf" <<EOC
[DEFAULT]
transport_url = $RABBIT_URL
debug = false
[api_settings]
bind_host = $HOST
bind_port = 9876
auth_strategy = keystone
default_provider_driver = amphora
enabled_provider_drivers = amphora:Amphora provider with noop drivers
[database]
connection = $(DB_URL octavia octavia)
[health_manager]
bind_ip = $HOST
bind_port = 5555
controller_ip_port_list = $HOST:5555
heartbeat_key = capi-gate-test-heartbeat-key
health_update_threads = 1
stats_update_threads = 1
[keystone_authtoken]
www_authenticate_uri = http://$HOST:5000
$(ksauth octavia)
[service_auth]
$(ksauth octavia)
[certificates]
cert_generator = local_cert_generator
ca_certificate = $F/octavia/certs/ca.pem
ca_private_key = $F/octavia/certs/ca.key
# not "ca_private_key_passphrase =": an empty value is sent as a password for an unencrypted key
server_certs_key_passphrase = insecure-key-do-not-use-this-key
[controller_worker]
amphora_driver = amphora_noop_driver
compute_driver = compute_noop_driver
network_driver = network_noop_driver
image_driver = image_noop_driver
volume_driver = volume_noop_driver
distributor_driver = distributor_noop_driver
loadbalancer_topology = SINGLE
workers = 1
# read by ComputeCreate even with the noop compute driver
client_ca = $F/octavia/certs/ca.pem
amp_flavor_id = noop-flavor
amp_image_tag = amphora
amp_boot_network_list = 00000000-0000-0000-0000-000000000001
amp_secgroup_list = noop-secgroup
[task_flow]
jobboard_enabled = False
max_workers = 2
[oslo_messaging]
topic = octavia_prov
[oslo_concurrency]
lock_path = $F/lock
[house_keeping]
amphora_expiry_age = 3600
load_balancer_expiry_age = 3600
EOC
  cat > "$F/neutron/neutron.conf" <<EOC
[DEFAULT]
bind_host = $HOST
bind_port = 9696
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = $RABBIT_URL
state_path = $F/neutron/state
api_workers = $API_PROCESSES
rpc_workers = 0
rpc_state_report_workers = 0
allow_overlapping_ips = true
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
dhcp_agent_notification = false
debug = false
[database]
connection = $(DB_URL neutron neutron)
[keystone_authtoken]
www_authenticate_uri = http://$HOST:5000
$(ksauth neutron)
[nova]
$(ksauth nova)
[oslo_concurrency]
lock_path = $F/lock
[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers = capi_gate_test_bind
extension_drivers = port_security
[ml2_type_flat]
flat_networks = provider
[ml2_type_vlan]
network_vlan_ranges = provider:100:200
[ml2_type_vxlan]
vni_ranges = 1:1000
EOC
  cat > "$F/placement/placement.conf" <<EOC
[DEFAULT]
log_file = $F/log/placement-api.log
[api]
auth_strategy = keystone
[placement_database]
connection = $(DB_URL placement placement)
[keystone_authtoken]
www_authenticate_uri = http://$HOST:5000
$(ksauth placement)
EOC
  cp /etc/nova/api-paste.ini "$F/nova/api-paste.ini"
  cat > "$F/nova/nova.conf" <<EOC
[DEFAULT]
host = compute-1
my_ip = $HOST
transport_url = $RABBIT_URL
compute_driver = fake.FakeDriver
state_path = $F/nova/state
instances_path = $F/nova/state/instances
enabled_apis = osapi_compute
osapi_compute_listen = $HOST
osapi_compute_workers = 1
metadata_workers = 1
debug = false
# the fake driver plugs nothing: nothing to wait for
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
[wsgi]
api_paste_config = $F/nova/api-paste.ini
[api]
auth_strategy = keystone
[api_database]
connection = $(DB_URL nova nova_api)
[database]
connection = $(DB_URL nova nova)
[keystone_authtoken]
www_authenticate_uri = http://$HOST:5000
$(ksauth nova)
[service_user]
send_service_user_token = true
$(ksauth nova)
[placement]
$(ksauth placement)
[neutron]
$(ksauth neutron)
[glance]
region_name = RegionOne
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 5
[oslo_concurrency]
lock_path = $F/lock
[vnc]
enabled = false
[oslo_messaging_notifications]
driver = noop
EOC
  cat > "$F/magnum/magnum.conf" <<EOC
[DEFAULT]
host = magnum-1
transport_url = $RABBIT_URL
state_path = $F/magnum
debug = false
[api]
host = $HOST
port = 9511
workers = $API_PROCESSES
[database]
connection = $(DB_URL magnum magnum)
[keystone_authtoken]
www_authenticate_uri = http://$HOST:5000/v3
auth_version = v3
$(ksauth magnum)
[keystone_auth]
$(ksauth magnum)
[trust]
trustee_domain_name = magnum
trustee_domain_admin_name = magnum_domain_admin
trustee_domain_admin_domain_name = magnum
trustee_domain_admin_password = $SERVICE_PASSWORD
trustee_keystone_interface = public
cluster_user_trust = true
[certificates]
cert_manager_type = x509keypair
[conductor]
workers = $API_PROCESSES
[oslo_concurrency]
lock_path = $F/lock
[oslo_messaging_notifications]
driver = noop
[cinder]
default_docker_volume_type =
[nova_client]
region_name = RegionOne
[neutron_client]
region_name = RegionOne
[glance_client]
region_name = RegionOne
[cinder_client]
region_name = RegionOne
[heat_client]
region_name = RegionOne
[octavia_client]
region_name = RegionOne
EOC
  chmod 600 "$F"/*/*.conf
}

# ------------------------------------------------------------------ MariaDB, RabbitMQ, DB syncs
# Needs no Keystone: runs in the background while Keystone and Glance start.
full_infra_and_sync() {
  local M=$F/mysql Q=$F/rabbitmq
  mkdir -p "$M" "$Q/mnesia" "$Q/log"
  cat > "$M/my.cnf" <<EOC
[mysqld]
user = mysql
datadir = $M/data
socket = $M/mysqld.sock
pid-file = $M/mysqld.pid
log-error = $M/error.log
bind-address = $HOST
port = 3306
skip-name-resolve
max_connections = 1000
innodb_buffer_pool_size = 128M
innodb_flush_log_at_trx_commit = 0
innodb_doublewrite = 0
sync_binlog = 0
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
performance_schema = OFF
EOC
  chown -R mysql:mysql "$M"
  if [ ! -d "$M/data/mysql" ]; then
    mariadb-install-db --defaults-file="$M/my.cnf" --user=mysql --auth-root-authentication-method=socket > "$F/log/mariadb-install-db.log" 2>&1 \
      || { tail -20 "$F/log/mariadb-install-db.log" >&2; return 1; }
    step_done "[full] mariadb-install-db"
  fi
  setsid nohup /usr/sbin/mariadbd --defaults-file="$M/my.cnf" > "$F/log/mariadbd.out.log" 2>&1 < /dev/null 9>&- &
  for _ in $(seq 1 300); do [ -S "$M/mysqld.sock" ] && mysql_root -e 'select 1' > /dev/null 2>&1 && break; sleep 0.1; done
  mysql_root -e 'select 1' > /dev/null || { tail -20 "$M/error.log" >&2; return 1; }
  local db u sql=""
  # Keystone is recreated on every up (new project ids), so are the service databases.
  for db in nova_api nova nova_cell0 placement neutron octavia magnum; do
    u=${db%%_*}
    sql+="DROP DATABASE IF EXISTS $db; CREATE DATABASE $db; CREATE USER IF NOT EXISTS '$u'@'$HOST' IDENTIFIED BY '$SERVICE_PASSWORD'; ALTER USER '$u'@'$HOST' IDENTIFIED BY '$SERVICE_PASSWORD'; GRANT ALL PRIVILEGES ON $db.* TO '$u'@'$HOST';"
  done
  mysql_root -e "$sql"
  step_done "[full] mariadbd + databases"
  # RabbitMQ and the five schema migrations are independent of each other: one background job each
  # (each is mostly waiting on MariaDB or on Python imports; nova's four steps stay in order).
  dbsync() { # name cmd...
    local n=$1; shift
    "$@" >> "$F/log/db-sync-$n.log" 2>&1 || { echo "real-openstack: $n DB sync failed:" >&2; tail -20 "$F/log/db-sync-$n.log" >&2; return 1; }
  }
  local N="nova-manage --config-file $F/nova/nova.conf" jobs=() j rc=0
  full_rabbitmq & jobs+=($!)
  dbsync octavia octavia-db-manage --config-file "$F/octavia/octavia.conf" upgrade head & jobs+=($!)
  dbsync neutron neutron-db-manage --config-file "$F/neutron/neutron.conf" upgrade heads & jobs+=($!)
  dbsync placement placement-manage --config-file "$F/placement/placement.conf" db sync & jobs+=($!)
  { dbsync nova $N api_db sync && dbsync nova $N cell_v2 map_cell0 --database_connection "$(DB_URL nova nova_cell0)" \
      && dbsync nova $N cell_v2 create_cell --name cell1 && dbsync nova $N db sync; } & jobs+=($!)
  dbsync magnum magnum-db-manage --config-file "$F/magnum/magnum.conf" upgrade & jobs+=($!)
  for j in "${jobs[@]}"; do wait "$j" || rc=1; done
  [ $rc = 0 ] || return 1
  step_done "[full] RabbitMQ + DB syncs (octavia neutron placement nova magnum), concurrently"
}

full_rabbitmq() {
  local Q=$F/rabbitmq
  echo '[].' > "$Q/enabled_plugins"
  printf 'listeners.tcp.default = %s:5672\nloopback_users = none\n' "$HOST" > "$Q/rabbitmq.conf"
  local epmd_before; epmd_before=$(pgrep -x epmd || true)
  # not /usr/sbin/rabbitmq-server: that wrapper su's to rabbitmq and loses this environment
  ( rabbit_env; setsid nohup /usr/lib/rabbitmq/bin/rabbitmq-server > "$F/log/rabbitmq-server.out.log" 2>&1 < /dev/null 9>&- & )
  rabbitmqctl_ -q wait --timeout 120 "$Q/rabbitmq.pid" > /dev/null || { tail -20 "$F/log/rabbitmq-server.out.log" >&2; return 1; }
  # erl starts epmd as a daemon of its own: record it (only when it was not there before) to stop it later
  [ -z "$epmd_before" ] && { pgrep -x epmd > "$Q/epmd.pid" || true; }
  rabbitmqctl_ -q add_user openstack "$SERVICE_PASSWORD" > /dev/null 2>&1 || rabbitmqctl_ -q change_password openstack "$SERVICE_PASSWORD" > /dev/null
  rabbitmqctl_ -q set_permissions openstack '.*' '.*' '.*' > /dev/null
}

# ------------------------------------------------------------------ daemons (Keystone objects exist)
full_start_daemons() {
  start_uwsgi octavia-api 9876 /usr/bin/octavia-wsgi --pyargv "--config-file $F/octavia/octavia.conf --log-file $F/log/octavia-api.log"
  local n
  for n in worker health-manager housekeeping; do
    start_daemon "octavia-$n" "/usr/bin/octavia-$n" --config-file "$F/octavia/octavia.conf" --log-file "$F/log/octavia-$n.log"
  done
  start_daemon octavia-heartbeats /usr/bin/python3 "$REPO/scripts/real-openstack/octavia-heartbeats.py" "$F/octavia/octavia.conf" "$HEARTBEAT_INTERVAL"
  PYTHONPATH=$PYLIB start_daemon neutron-server /usr/bin/neutron-server --config-file "$F/neutron/neutron.conf" --log-file "$F/log/neutron-server.log"
  start_uwsgi placement-api 8778 /usr/bin/placement-api --env "OS_PLACEMENT_CONFIG_DIR=$F/placement"
  start_uwsgi nova-api 8774 /usr/bin/nova-api-wsgi --env "OS_NOVA_CONFIG_DIR=$F/nova"
  for n in conductor scheduler compute; do
    start_daemon "nova-$n" "/usr/bin/nova-$n" --config-file "$F/nova/nova.conf" --log-file "$F/log/nova-$n.log"
  done
  # the driver must be importable by both: the API validates templates against Driver.get_driver
  start_uwsgi magnum-api 9511 /usr/bin/magnum-api-wsgi --pyargv "--config-file $F/magnum/magnum.conf --log-file $F/log/magnum-api.log" \
    --env "PYTHONPATH=$PYLIB"
  PYTHONPATH=$PYLIB CAPI_GATE_MAGNUM_CREATE_TICKS=$MAGNUM_CREATE_TICKS CAPI_GATE_MAGNUM_DELETE_TICKS=$MAGNUM_DELETE_TICKS \
    CAPI_GATE_MAGNUM_API_ADDRESS=$MAGNUM_API_ADDRESS CAPI_GATE_MAGNUM_CALLS=$F/log/magnum-driver-calls.log \
    CAPI_GATE_MAGNUM_STATE=$F/magnum/driver-state.json \
    start_daemon magnum-conductor /usr/bin/magnum-conductor --config-file "$F/magnum/magnum.conf" --log-file "$F/log/magnum-conductor.log"
  local a name port path
  for a in "${FULL_APIS[@]}"; do
    read -r name port path <<< "$a"
    wait_http "http://$HOST:$port$path" 120 || { echo "real-openstack: $name API never answered on $HOST:$port" >&2; tail -20 "$F/log/$name"*.log >&2; return 1; }
  done
  step_done "[full] daemons started, every API answers"
  # nova-compute registers its service and resource provider; the scheduler maps it into cell1
  # (read from nova_api.host_mappings: what `nova-manage cell_v2 list_hosts` shows, without its ~5 s start)
  local hosts="" deadline=$(( $(date +%s) + 300 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    hosts=$(mysql_root -N -e "SELECT host FROM nova_api.host_mappings" 2> /dev/null || true)
    [[ "$hosts" == *compute-1* ]] && break
    sleep 0.5
  done
  [[ "$hosts" == *compute-1* ]] || { echo "real-openstack: nova-compute never got mapped to cell1" >&2; tail -20 "$F/log/nova-compute.log" >&2; return 1; }
  step_done "[full] nova-compute mapped to cell1"
}

# Every daemon alive and every API answering (the caller also checks credentials).
full_healthy() {
  local n a name port path c
  for n in "${FULL_DAEMONS[@]}"; do ours "$P/$n.pid" || return 1; done
  ours "$F/mysql/mysqld.pid" && ours "$F/rabbitmq/rabbitmq.pid" || return 1
  for a in "${FULL_APIS[@]}"; do
    read -r name port path <<< "$a"
    c=$(http_code "http://$HOST:$port$path"); [ -n "$c" ] && [ "$c" != 000 ] && [ "$c" -lt 500 ] || return 1
  done
}

# name pidfile, for status and the resource summary
full_pidfiles() {
  local n
  echo "mariadb $F/mysql/mysqld.pid"
  echo "rabbitmq $F/rabbitmq/rabbitmq.pid"
  [ -s "$F/rabbitmq/epmd.pid" ] && echo "epmd $F/rabbitmq/epmd.pid"
  for n in "${FULL_DAEMONS[@]}"; do echo "$n $P/$n.pid"; done
}

# site.yaml: capi-gate's site file for the OpenStack steps on these services. The parts that are
# not OpenStack (Vault, Juju, the management VM's SSH, KVM) point at loopback placeholders that
# answer nothing; the image's url is one too (the image is already in Glance), its sha512 is the
# uploaded file's.
write_site_yaml() {
  local sha; sha=$(sha512sum "$R/kube-image.qcow2" | cut -d' ' -f1)
  cat > "$R/site.yaml" <<EOF
# capi-gate site file for the real Zed control plane on loopback, written by
# scripts/real-openstack.sh --profile full. Credentials: ./clouds.yaml (real-admin, real-tenant).
site: real-zed
openstack:
  clouds: { admin: real-admin, tenant: real-tenant }
  cloudsFile: ./clouds.yaml
  region: RegionOne
  interface: public
project: { name: capi-mgmt, domain: capi }
adminProject: { name: admin, domain: admin_domain }
clusterCreatorRoles: [member, reader, load-balancer_member]
image:
  name: $IMAGE_NAME
  kubeVersion: v1.34.8
  osDistro: ubuntu
  url: http://$HOST:9/no-cdn-on-loopback/$IMAGE_NAME.qcow2
  sha512: $sha
  stageDir: ./stage
template:
  name: capi-k8s-v1-34
  networkDriver: calico
  dnsNameserver: 8.8.8.8
  dockerStorageDriver: overlay2
  masterLbEnabled: true
  floatingIpEnabled: true
  labels: { fixed_subnet_cidr: 10.20.16.0/24, octavia_provider: amphora }
externalNetwork: provider-ext
keypair: capi-mgmt-key
cluster: { name: capi-test-1, masterCount: 1, nodeCount: 2 }
workloadCidr: 10.20.16.0/24
flavors:
  master: { name: gp.mid, minRamMb: 8192, minVcpus: 2 }
  worker: { name: capi.node, minRamMb: 4096, minVcpus: 2 }
coreVips:
  - { name: keystone,  url: "http://$HOST:5000/v3" }
  - { name: glance,    url: "http://$HOST:9292/" }
  - { name: magnum,    url: "http://$HOST:9511/" }
  - { name: neutron,   url: "http://$HOST:9696/" }
  - { name: nova,      url: "http://$HOST:8774/" }
  - { name: octavia,   url: "http://$HOST:9876/" }
  - { name: placement, url: "http://$HOST:8778/" }
tls: { insecure: false }
vault: { units: ["https://$HOST:8200"] }
juju: { binary: juju, model: openstack, computeApplication: nova-compute }
reservedHostMemoryMb: 8192
mgmtVm:
  name: capi-mgmt-v2
  user: ubuntu
  fipEnvFile: ./capi-mgmt-net.env
  fipVariable: MGMT_FIP
  sshKey: ./id_ed25519
  knownHosts: ./known_hosts
  probe: $HOST:5000
hypervisor:
  libvirtUri: test:///default
  domains: [juju-controller, infra-1, infra-2, infra-3]
deadlines:
  clusterCreate: 10m
  clusterStall: 5m
  clusterDelete: 5m
EOF
  mkdir -p "$R/stage"
}
