"""Test-only Magnum cluster driver for the real control plane (scripts/real-openstack.sh --profile
full). It stands in for magnum-capi-helm where Magnum, Keystone, Nova, Glance and Neutron can see
it, with no management cluster behind it:

- provides (vm, ubuntu, kubernetes) and (vm, flatcar, kubernetes), so template create accepts
  exactly the os_distro values the CAPI Helm driver accepts;
- create_cluster checks what the CAPI Helm driver checks before it installs its Helm release: every
  flavor against [capi_helm] minimum_flavor_ram / minimum_flavor_vcpus (2048 MB / 2 vCPU) through
  Nova, the image's kube_version and os_distro properties through Glance, the external network
  through Neutron; it sets stack_id as "<sanitized name[:30]>-<short id>" and mints the cluster's
  application credential "magnum-<uuid>-<hex>" as the requesting user. A failure raises, and the
  conductor marks the cluster CREATE_FAILED with the message as status_reason;
- Magnum's periodic sync (every 10 s, *_IN_PROGRESS clusters only) calls update_cluster_status:
  on the first tick the control-plane endpoint is "known" (api_address, coe_version), after
  CAPI_GATE_MAGNUM_CREATE_TICKS ticks the node groups and the cluster are CREATE_COMPLETE. It never
  sets master_addresses or node_addresses, as the CAPI Helm driver never does;
- health comes only from Magnum's own health sync (COMPLETE states, every
  [kubernetes] health_polling_interval s) through get_monitor, with the CAPI monitor's reason keys;
- delete marks the node groups DELETE_IN_PROGRESS; after CAPI_GATE_MAGNUM_DELETE_TICKS ticks the
  application credential is deleted and the cluster DELETE_COMPLETE (Magnum then removes the row).
  Like the CAPI Helm driver on Magnum 15, it leaves the trustee and the certificates to Magnum.

With a management cluster (the kubeconfig file CAPI_GATE_MAGNUM_KUBECONFIG, default
capi-mgmt.kubeconfig beside CAPI_GATE_MAGNUM_STATE, written by `capi-gate sim --openstack real`),
the driver works as magnum-capi-helm does with its Helm release: create_cluster writes the CAPI
objects (Cluster, OpenStackCluster, KubeadmControlPlane, MachineDeployment, the two
OpenStackMachineTemplates, the <stack>-cloud-credentials secret with the cluster's application
credential and the <stack>-ca secret with Magnum's cluster CA) into namespace magnum-<project id>;
update_cluster_status reads their status back (api_address from the OpenStackCluster's API server
load balancer, CREATE_COMPLETE once the Cluster is Provisioned with its control plane and machine
deployment ready); delete_cluster deletes them and the cluster is DELETE_COMPLETE once the Cluster
object is gone (its finalizers hold it while the simulated CAPO deletes the OpenStack resources).
Without that file it behaves as the tick-based stand-in above.

Environment of magnum-conductor: CAPI_GATE_MAGNUM_CREATE_TICKS (default 2),
CAPI_GATE_MAGNUM_DELETE_TICKS (1), CAPI_GATE_MAGNUM_API_ADDRESS (https://127.0.0.1:6443),
CAPI_GATE_MAGNUM_HEALTH (HEALTHY), CAPI_GATE_MAGNUM_CALLS (a JSON-lines log of the calls)."""
import base64
import contextlib
import fcntl
import json
import os
import re
import secrets
import tempfile
import time

import requests
import yaml

from oslo_log import log as logging

from magnum.api import utils as api_utils
from magnum.common import clients
from magnum.common import context as magnum_context
from magnum.common import exception
from magnum.common import neutron
from magnum.common import short_id
from magnum.conductor import monitors
from magnum.conductor.handlers.common import cert_manager
from magnum.drivers.common import driver
from magnum.objects import fields

LOG = logging.getLogger(__name__)

MIN_RAM = 2048
MIN_VCPUS = 2
READY = 'Ready'


def _env_int(name, default):
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


CREATE_TICKS = _env_int('CAPI_GATE_MAGNUM_CREATE_TICKS', 2)
DELETE_TICKS = _env_int('CAPI_GATE_MAGNUM_DELETE_TICKS', 1)
API_ADDRESS = os.environ.get('CAPI_GATE_MAGNUM_API_ADDRESS', 'https://127.0.0.1:6443')
HEALTH = os.environ.get('CAPI_GATE_MAGNUM_HEALTH', fields.ClusterHealthStatus.HEALTHY)
CALLS = os.environ.get('CAPI_GATE_MAGNUM_CALLS')
STATE = os.environ.get('CAPI_GATE_MAGNUM_STATE')

KUBECONFIG = os.environ.get('CAPI_GATE_MAGNUM_KUBECONFIG') or (
    os.path.join(os.path.dirname(STATE), 'capi-mgmt.kubeconfig') if STATE else None)

# Ticks seen per cluster and operation (per conductor process: only the path without a management
# cluster counts them), and the application credential minted per cluster: its id goes to a file,
# shared by the conductor's workers (REAL_OPENSTACK_API_PROCESSES) and read again after a restart.
_ticks = {}


def _load_state():
    if not STATE:
        return {}
    try:
        with open(STATE) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _save_state(state):
    if not STATE:
        return
    tmp = f'{STATE}.{os.getpid()}.tmp'
    with open(tmp, 'w') as f:
        json.dump(state, f)
    os.replace(tmp, STATE)


@contextlib.contextmanager
def _state_locked():
    """Read-modify-write of STATE by one conductor worker at a time (an flock between processes)."""
    if not STATE:
        yield
        return
    with open(STATE + '.lock', 'a') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _record(call, cluster, **kw):
    LOG.info('capi-gate test driver: %s cluster %s status %s', call, cluster.uuid, cluster.status)
    if not CALLS:
        return
    try:
        with open(CALLS, 'a') as f:
            f.write(json.dumps(dict(t=time.time(), call=call, cluster=cluster.uuid, name=cluster.name,
                                    status=cluster.status, **kw)) + '\n')
    except OSError:
        pass


def _sanitized_name(name):
    if not name:
        return None
    return re.sub('[^a-z0-9]+', '-', name.lower()).strip('-')


def _loopback(ip):
    """The simulated data plane serves a real-site address 10.a.b.c at 127.a.b.c."""
    parts = ip.split('.')
    return '.'.join(['127'] + parts[1:]) if len(parts) == 4 and parts[0] != '127' else ip


def _namespace(project_id):
    return 'magnum-' + re.sub('[^a-z0-9]', '', project_id.lower())


class Mgmt:
    """The management cluster's Kubernetes API over REST, from a client-certificate kubeconfig."""

    GROUPS = {
        'Namespace': ('api/v1', 'namespaces', False),
        'Secret': ('api/v1', 'secrets', True),
        'Cluster': ('apis/cluster.x-k8s.io/v1beta1', 'clusters', True),
        'MachineDeployment': ('apis/cluster.x-k8s.io/v1beta1', 'machinedeployments', True),
        'KubeadmControlPlane': ('apis/controlplane.cluster.x-k8s.io/v1beta1', 'kubeadmcontrolplanes', True),
        'OpenStackCluster': ('apis/infrastructure.cluster.x-k8s.io/v1beta1', 'openstackclusters', True),
        'OpenStackMachineTemplate': ('apis/infrastructure.cluster.x-k8s.io/v1beta1', 'openstackmachinetemplates', True),
    }

    def __init__(self, path):
        with open(path) as f:
            kc = yaml.safe_load(f)
        cluster = kc['clusters'][0]['cluster']
        user = kc['users'][0]['user']
        self.server = cluster['server'].rstrip('/')
        self._dir = tempfile.mkdtemp(prefix='capi-gate-magnum-')
        os.chmod(self._dir, 0o700)

        def put(name, b64):
            p = os.path.join(self._dir, name)
            with open(p, 'wb') as f:
                f.write(base64.b64decode(b64))
            os.chmod(p, 0o600)
            return p
        self.verify = put('ca.crt', cluster['certificate-authority-data'])
        self.cert = (put('client.crt', user['client-certificate-data']), put('client.key', user['client-key-data']))

    def _url(self, kind, ns=None, name=None):
        prefix, plural, namespaced = self.GROUPS[kind]
        url = '%s/%s/%s%s' % (self.server, prefix, 'namespaces/%s/' % ns if namespaced else '', plural)
        return url + ('/' + name if name else '')

    def _req(self, method, url, body=None):
        return requests.request(method, url, json=body, cert=self.cert, verify=self.verify, timeout=15)

    def apply(self, obj):
        kind, ns = obj['kind'], obj['metadata'].get('namespace')
        r = self._req('POST', self._url(kind, ns), obj)
        if r.status_code == 409:
            return
        if r.status_code >= 300:
            raise exception.MagnumException(message='management cluster refused %s %s: %s %s' % (
                kind, obj['metadata']['name'], r.status_code, r.text[:300]))

    def get(self, kind, ns, name):
        r = self._req('GET', self._url(kind, ns, name))
        if r.status_code == 404:
            return None
        if r.status_code >= 300:
            raise exception.MagnumException(message='management cluster: GET %s %s: %s' % (kind, name, r.status_code))
        return r.json()

    def delete(self, kind, ns, name):
        r = self._req('DELETE', self._url(kind, ns, name))
        if r.status_code not in (200, 202, 404):
            raise exception.MagnumException(message='management cluster: DELETE %s %s: %s' % (kind, name, r.status_code))


# While the management cluster does not answer (its VM stopped: D-041), nothing of the cluster
# moves: the objects to write or delete wait here and go on the next status sync that reaches it
# (the pure simulator's model of a mgmt VM outage). One conductor process: memory is enough.
_pending_writes = {}
_pending_deletes = set()
UNREACHABLE = (requests.exceptions.ConnectionError, requests.exceptions.Timeout)


def _mgmt():
    """The management cluster, while the simulator that serves it runs (its pid is beside the
    kubeconfig; a file left by a killed simulator does not count)."""
    if not KUBECONFIG or not os.path.exists(KUBECONFIG):
        return None
    try:
        with open(KUBECONFIG + '.pid') as f:
            os.kill(int(f.read().strip()), 0)
    except (OSError, ValueError):
        return None
    return Mgmt(KUBECONFIG)


def _pem(v):
    return v.decode() if isinstance(v, bytes) else v


def _b64(v):
    return base64.b64encode(v.encode() if isinstance(v, str) else v).decode()


class Monitor(monitors.MonitorBase):
    """What the CAPI monitor reports when every Cluster API resource is ready."""

    def __init__(self, context, cluster):
        super().__init__(context, cluster)
        self.data = {}

    @property
    def metrics_spec(self):
        return {}

    def pull_data(self):
        pass

    def poll_health_status(self):
        ok = HEALTH == fields.ClusterHealthStatus.HEALTHY
        reason = {k: READY if ok else 'Waiting on [\'Ready\']'
                  for k in ('cluster', 'infrastructure', 'controlplane', 'nodegroup')}
        self.data['health_status'] = HEALTH
        self.data['health_status_reason'] = reason


class Driver(driver.Driver):
    @property
    def provides(self):
        return [
            {'server_type': 'vm', 'os': 'ubuntu', 'coe': 'kubernetes'},
            {'server_type': 'vm', 'os': 'flatcar', 'coe': 'kubernetes'},
        ]

    # ------------------------------------------------------------- checks the CAPI Helm driver makes
    def _validate_allowed_flavor(self, context, requested_flavor):
        flavors = clients.OpenStackClients(context).nova().flavors.list(min_ram=MIN_RAM)
        for flavor in flavors:
            if requested_flavor in [flavor.id, flavor.name]:
                if flavor.vcpus < MIN_VCPUS:
                    raise exception.MagnumException(
                        message=f'Flavor {requested_flavor} does not have enough CPU to run '
                                f'Kubernetes. Minimum {MIN_VCPUS} vcpus required.')
                return
        raise exception.MagnumException(
            message=f'Flavor {requested_flavor} does not have enough RAM to run Kubernetes. '
                    f'Minimum {MIN_RAM} MB required.')

    def _image_details(self, context, image_identifier):
        osc = clients.OpenStackClients(context)
        image = api_utils.get_openstack_resource(osc.glance().images, image_identifier, 'images')
        kube_version = image.get('kube_version')
        if not kube_version:
            raise exception.MagnumException(message=f'Image {image.id} does not have a kube_version property.')
        if not image.get('os_distro'):
            raise exception.MagnumException(message=f'Image {image.id} does not have an os_distro property.')
        return image.id, kube_version

    def _create_app_cred(self, context, cluster):
        kst = clients.OpenStackClients(context).keystone()
        name = f'magnum-{cluster.uuid}-{secrets.token_hex(4)}'
        ac = kst.client.application_credentials.create(
            user=context.user_id, name=name,
            description=f'Magnum cluster ({cluster.name or cluster.uuid})')
        with _state_locked():
            state = _load_state()
            state[cluster.uuid] = {'app_cred_id': ac.id, 'user_id': context.user_id}
            _save_state(state)
        return ac

    def _delete_app_cred(self, cluster):
        # As the CAPI Helm driver does: an admin context, the credential looked up by id and
        # deleted only when its name is Magnum's; a failure is a status_reason, not a failed delete.
        with _state_locked():
            state = _load_state()
            entry = state.pop(cluster.uuid, None)
            _save_state(state)
        if not entry:
            return
        try:
            kst = clients.OpenStackClients(magnum_context.make_admin_context()).keystone()
            app_cred = kst.client.application_credentials.get(entry['app_cred_id'])
            if not app_cred.name.startswith(f'magnum-{cluster.uuid}'):
                raise exception.MagnumException(message=f"{entry['app_cred_id']} is not managed by Magnum.")
            app_cred.delete()
        except Exception as e:
            cluster.status_reason = f'Failed to delete application credential for cluster {cluster.uuid}: {e}'
            LOG.warning(cluster.status_reason)


    # ------------------------------------------------------------- the management cluster
    def _write_capi_objects(self, context, mgmt, cluster, ac, image_id, kube_version, ext_id):
        ns = _namespace(cluster.project_id)
        stack = cluster.stack_id
        tpl = cluster.cluster_template
        labels = {
            'magnum.openstack.org/project-id': cluster.project_id, 'magnum.openstack.org/user-id': cluster.user_id,
            'magnum.openstack.org/cluster-uuid': cluster.uuid, 'cluster.x-k8s.io/cluster-name': stack,
            'capi.stackhpc.com/cluster': stack, 'app.kubernetes.io/managed-by': 'Helm',
        }

        def meta(name, extra=None):
            m = {'name': name, 'namespace': ns, 'labels': dict(labels, **(extra or {}))}
            return m
        osc = clients.OpenStackClients(context)
        auth_url = osc.url_for(service_type='identity', interface='public')
        if not auth_url.rstrip('/').endswith('/v3'):
            auth_url = auth_url.rstrip('/') + '/v3'
        clouds = {'clouds': {'openstack': {
            'auth': {'auth_url': auth_url, 'application_credential_id': ac.id, 'application_credential_secret': ac.secret},
            'auth_type': 'v3applicationcredential', 'region_name': 'RegionOne', 'interface': 'public', 'identity_api_version': 3}}}
        ca = cert_manager.get_cluster_ca_certificate(cluster, context)
        cidr = (cluster.labels or {}).get('fixed_subnet_cidr') or (tpl.labels or {}).get('fixed_subnet_cidr') or '10.0.0.0/24'
        dns = [tpl.dns_nameserver] if tpl.dns_nameserver else []
        cp_tpl, wk_tpl = '%s-control-plane-%s' % (stack, secrets.token_hex(4)), '%s-default-worker-%s' % (stack, secrets.token_hex(4))

        def machine_template(name, flavor):
            return {'apiVersion': 'infrastructure.cluster.x-k8s.io/v1beta1', 'kind': 'OpenStackMachineTemplate', 'metadata': meta(name),
                    'spec': {'template': {'spec': {'flavor': flavor, 'image': {'id': image_id}, 'sshKeyName': cluster.keypair}}}}
        objs = [
            {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': ns}},
            {'apiVersion': 'v1', 'kind': 'Secret', 'metadata': meta('%s-cloud-credentials' % stack), 'type': 'Opaque',
             'data': {'clouds.yaml': _b64(yaml.safe_dump(clouds))}},
            {'apiVersion': 'v1', 'kind': 'Secret', 'metadata': meta('%s-ca' % stack), 'type': 'cluster.x-k8s.io/secret',
             'data': {'tls.crt': _b64(_pem(ca.get_certificate())), 'tls.key': _b64(_pem(ca.get_decrypted_private_key()))}},
            machine_template(cp_tpl, cluster.master_flavor_id),
            machine_template(wk_tpl, cluster.flavor_id),
            {'apiVersion': 'infrastructure.cluster.x-k8s.io/v1beta1', 'kind': 'OpenStackCluster', 'metadata': meta(stack),
             'spec': {'apiServerLoadBalancer': {'enabled': True}, 'managedSecurityGroups': {'allowAllInClusterTraffic': True},
                      'externalNetwork': {'id': ext_id}, 'managedSubnets': [{'cidr': cidr, 'dnsNameservers': dns}],
                      'identityRef': {'cloudName': 'openstack', 'name': '%s-cloud-credentials' % stack}}},
            {'apiVersion': 'controlplane.cluster.x-k8s.io/v1beta1', 'kind': 'KubeadmControlPlane', 'metadata': meta('%s-control-plane' % stack),
             'spec': {'replicas': cluster.master_count, 'version': kube_version,
                      'machineTemplate': {'infrastructureRef': {'apiVersion': 'infrastructure.cluster.x-k8s.io/v1beta1',
                                                                'kind': 'OpenStackMachineTemplate', 'name': cp_tpl, 'namespace': ns}}}},
            {'apiVersion': 'cluster.x-k8s.io/v1beta1', 'kind': 'MachineDeployment',
             'metadata': meta('%s-default-worker' % stack, {'capi.stackhpc.com/component': 'worker', 'capi.stackhpc.com/node-group': 'default-worker'}),
             'spec': {'clusterName': stack, 'replicas': cluster.node_count,
                      'template': {'spec': {'clusterName': stack, 'version': kube_version,
                                            'infrastructureRef': {'apiVersion': 'infrastructure.cluster.x-k8s.io/v1beta1',
                                                                  'kind': 'OpenStackMachineTemplate', 'name': wk_tpl, 'namespace': ns}}}}},
            {'apiVersion': 'cluster.x-k8s.io/v1beta1', 'kind': 'Cluster', 'metadata': meta(stack),
             'spec': {'clusterNetwork': {'pods': {'cidrBlocks': ['172.16.0.0/13']}, 'services': {'cidrBlocks': ['172.24.0.0/13']}},
                      'controlPlaneRef': {'apiVersion': 'controlplane.cluster.x-k8s.io/v1beta1', 'kind': 'KubeadmControlPlane',
                                          'name': '%s-control-plane' % stack, 'namespace': ns},
                      'infrastructureRef': {'apiVersion': 'infrastructure.cluster.x-k8s.io/v1beta1', 'kind': 'OpenStackCluster',
                                            'name': stack, 'namespace': ns}}},
        ]
        try:
            for o in objs:
                mgmt.apply(o)
        except UNREACHABLE as e:
            _pending_writes[cluster.uuid] = objs
            LOG.warning('capi-gate test driver: management cluster unreachable, the CAPI objects of %s wait: %s', cluster.uuid, e)
            _record('capi_objects_pending', cluster, namespace=ns, stack=stack)
            return
        _record('capi_objects_written', cluster, namespace=ns, stack=stack)

    def _capi_status(self, mgmt, cluster):
        ns, stack = _namespace(cluster.project_id), cluster.stack_id
        cl = mgmt.get('Cluster', ns, stack) or {}
        osc = mgmt.get('OpenStackCluster', ns, stack) or {}
        kcp = mgmt.get('KubeadmControlPlane', ns, '%s-control-plane' % stack) or {}
        md = mgmt.get('MachineDeployment', ns, '%s-default-worker' % stack) or {}
        return cl, osc, kcp, md

    def _update_from_capi(self, context, mgmt, cluster):
        try:
            self._sync_pending(mgmt, cluster)
            self._update_from_capi_objects(context, mgmt, cluster)
        except UNREACHABLE as e:
            LOG.warning('capi-gate test driver: management cluster unreachable for %s: %s', cluster.uuid, e)

    def _sync_pending(self, mgmt, cluster):
        objs = _pending_writes.get(cluster.uuid)
        if objs is not None:
            for o in objs:
                mgmt.apply(o)
            _pending_writes.pop(cluster.uuid, None)
            _record('capi_objects_written', cluster, stack=cluster.stack_id)
        if cluster.uuid in _pending_deletes:
            self._delete_capi_objects(mgmt, cluster)

    def _update_from_capi_objects(self, context, mgmt, cluster):
        if cluster.status in (fields.ClusterStatus.CREATE_IN_PROGRESS, fields.ClusterStatus.UPDATE_IN_PROGRESS):
            cl, osc, kcp, md = self._capi_status(mgmt, cluster)
            ost = osc.get('status') or {}
            lb = ost.get('apiServerLoadBalancer') or {}
            endpoint = (cl.get('spec') or {}).get('controlPlaneEndpoint') or {}
            host = endpoint.get('host') or lb.get('ip')
            if host:
                address = 'https://%s:%s' % (_loopback(host), endpoint.get('port') or 6443)
                if cluster.api_address != address:
                    cluster.api_address = address
                    cluster.save()
            cst, kst, mst = cl.get('status') or {}, kcp.get('status') or {}, md.get('status') or {}
            ready = (cst.get('phase') == 'Provisioned' and cst.get('controlPlaneReady') and kst.get('ready')
                     and mst.get('readyReplicas', 0) == (md.get('spec') or {}).get('replicas', 0))
            if not ready:
                return
            for ng in cluster.nodegroups:
                if ng.status.endswith('_IN_PROGRESS'):
                    ng.status = fields.ClusterStatus.CREATE_COMPLETE
                    ng.save()
            cluster.coe_version = kst.get('version') or cluster.coe_version
            cluster.status = (fields.ClusterStatus.UPDATE_COMPLETE if cluster.status.startswith('UPDATE_')
                              else fields.ClusterStatus.CREATE_COMPLETE)
            cluster.save()
        elif cluster.status == fields.ClusterStatus.DELETE_IN_PROGRESS:
            ns, stack = _namespace(cluster.project_id), cluster.stack_id
            if mgmt.get('Cluster', ns, stack) or mgmt.get('OpenStackCluster', ns, stack):
                osc = mgmt.get('OpenStackCluster', ns, stack) or {}
                msg = (osc.get('status') or {}).get('failureMessage')
                if msg and cluster.status_reason != msg:
                    cluster.status_reason = msg
                    cluster.save()
                return
            cluster.status_reason = None
            self._delete_app_cred(cluster)
            cluster.status = fields.ClusterStatus.DELETE_COMPLETE
            cluster.save()

    def _delete_capi_objects(self, mgmt, cluster):
        ns, stack = _namespace(cluster.project_id), cluster.stack_id
        if not stack:
            return
        # The Helm release goes: every object gets a delete; the finalizers hold the Cluster and
        # the OpenStackCluster while CAPO deletes what it built.
        _pending_writes.pop(cluster.uuid, None)
        try:
            for kind, name in [('Cluster', stack), ('OpenStackCluster', stack), ('KubeadmControlPlane', '%s-control-plane' % stack),
                               ('MachineDeployment', '%s-default-worker' % stack)]:
                mgmt.delete(kind, ns, name)
        except UNREACHABLE as e:
            _pending_deletes.add(cluster.uuid)
            LOG.warning('capi-gate test driver: management cluster unreachable, the delete of %s waits: %s', cluster.uuid, e)
            return
        _pending_deletes.discard(cluster.uuid)
        _record('capi_objects_deleted', cluster, namespace=ns, stack=stack)

    # ------------------------------------------------------------- lifecycle
    def create_cluster(self, context, cluster, cluster_create_timeout):
        _record('create_cluster', cluster, timeout=cluster_create_timeout)
        self._validate_allowed_flavor(context, cluster.master_flavor_id)
        for ng in cluster.nodegroups:
            self._validate_allowed_flavor(context, ng.flavor_id)
        if not cluster.stack_id:
            cluster.stack_id = f'{_sanitized_name(cluster.name)[:30]}-{short_id.generate_id()}'.lower()
            cluster.save()
        ac = self._create_app_cred(context, cluster)
        image_id, kube_version = self._image_details(context, cluster.cluster_template.image_id)
        ext_id = neutron.get_external_network_id(context, cluster.cluster_template.external_network_id)
        mgmt = _mgmt()
        if mgmt:
            self._write_capi_objects(context, mgmt, cluster, ac, image_id, kube_version, ext_id)
        _ticks[(cluster.uuid, 'create')] = 0
        LOG.info('capi-gate test driver: cluster %s kube %s accepted', cluster.uuid, kube_version)

    def update_cluster_status(self, context, cluster, use_admin_ctx=False):
        _record('update_cluster_status', cluster)
        mgmt = _mgmt()
        if mgmt and cluster.stack_id:
            return self._update_from_capi(context, mgmt, cluster)
        if mgmt and cluster.status == fields.ClusterStatus.CREATE_IN_PROGRESS:
            # The status sync reached a cluster whose create_cluster has not run yet (its RPC
            # queued behind others on the one busy conductor: ten creates at once). Nothing is
            # written yet, so nothing is read back, as magnum-capi-helm finds no release; the
            # tick path below is for a control plane without a management cluster only.
            return
        if cluster.status in (fields.ClusterStatus.CREATE_IN_PROGRESS, fields.ClusterStatus.UPDATE_IN_PROGRESS):
            key = (cluster.uuid, 'create')
            n = _ticks[key] = _ticks.get(key, 0) + 1
            if cluster.api_address != API_ADDRESS:
                cluster.api_address = API_ADDRESS
                cluster.save()
            if n < CREATE_TICKS:
                return
            for ng in cluster.nodegroups:
                if ng.status.endswith('_IN_PROGRESS'):
                    ng.status = fields.ClusterStatus.CREATE_COMPLETE
                    ng.save()
            try:
                image = api_utils.get_openstack_resource(
                    clients.OpenStackClients(context).glance().images, cluster.cluster_template.image_id, 'images')
                cluster.coe_version = image.get('kube_version')
            except Exception as e:
                LOG.warning('capi-gate test driver: no kube_version for %s: %s', cluster.uuid, e)
            cluster.status = (fields.ClusterStatus.UPDATE_COMPLETE if cluster.status.startswith('UPDATE_')
                              else fields.ClusterStatus.CREATE_COMPLETE)
            cluster.save()
            _ticks.pop(key, None)
        elif cluster.status == fields.ClusterStatus.DELETE_IN_PROGRESS:
            key = (cluster.uuid, 'delete')
            n = _ticks[key] = _ticks.get(key, 0) + 1
            if n < DELETE_TICKS:
                return
            cluster.status_reason = None
            self._delete_app_cred(cluster)
            cluster.status = fields.ClusterStatus.DELETE_COMPLETE
            cluster.save()
            _ticks.pop(key, None)

    def get_monitor(self, context, cluster):
        return Monitor(context, cluster)

    def delete_cluster(self, context, cluster):
        _record('delete_cluster', cluster)
        mgmt = _mgmt()
        if mgmt:
            self._delete_capi_objects(mgmt, cluster)
        for ng in cluster.nodegroups:
            ng.status = fields.ClusterStatus.DELETE_IN_PROGRESS
            ng.save()
        _ticks[(cluster.uuid, 'delete')] = 0

    def update_cluster(self, context, cluster, scale_manager=None, rollback=False):
        raise NotImplementedError('Updating a cluster in this way is not currently supported')

    def resize_cluster(self, context, cluster, resize_manager, node_count, nodes_to_remove, nodegroup=None):
        _record('resize_cluster', cluster, node_count=node_count)

    def upgrade_cluster(self, context, cluster, cluster_template, max_batch_size, nodegroup,
                        scale_manager=None, rollback=False):
        _record('upgrade_cluster', cluster)

    def create_nodegroup(self, context, cluster, nodegroup):
        self._validate_allowed_flavor(context, nodegroup.flavor_id)
        nodegroup.status = fields.ClusterStatus.CREATE_COMPLETE
        nodegroup.save()

    def update_nodegroup(self, context, cluster, nodegroup):
        self._validate_allowed_flavor(context, nodegroup.flavor_id)

    def delete_nodegroup(self, context, cluster, nodegroup):
        nodegroup.destroy()

    def create_federation(self, context, federation):
        raise NotImplementedError("Will not implement 'create_federation'")

    def update_federation(self, context, federation):
        raise NotImplementedError("Will not implement 'update_federation'")

    def delete_federation(self, context, federation):
        raise NotImplementedError("Will not implement 'delete_federation'")
