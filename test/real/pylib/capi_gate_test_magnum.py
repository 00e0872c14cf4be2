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

Environment of magnum-conductor: CAPI_GATE_MAGNUM_CREATE_TICKS (default 2),
CAPI_GATE_MAGNUM_DELETE_TICKS (1), CAPI_GATE_MAGNUM_API_ADDRESS (https://127.0.0.1:6443),
CAPI_GATE_MAGNUM_HEALTH (HEALTHY), CAPI_GATE_MAGNUM_CALLS (a JSON-lines log of the calls)."""
import json
import os
import re
import secrets
import time

from oslo_log import log as logging

from magnum.api import utils as api_utils
from magnum.common import clients
from magnum.common import context as magnum_context
from magnum.common import exception
from magnum.common import neutron
from magnum.common import short_id
from magnum.conductor import monitors
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

# Ticks seen per cluster and operation, and the application credential minted per cluster.
# The conductor is one process; the app-cred ids also go to a file so a restart can delete them.
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
    tmp = STATE + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(state, f)
    os.replace(tmp, STATE)


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
        state = _load_state()
        state[cluster.uuid] = {'app_cred_id': ac.id, 'user_id': context.user_id}
        _save_state(state)

    def _delete_app_cred(self, cluster):
        # As the CAPI Helm driver does: an admin context, the credential looked up by id and
        # deleted only when its name is Magnum's; a failure is a status_reason, not a failed delete.
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

    # ------------------------------------------------------------- lifecycle
    def create_cluster(self, context, cluster, cluster_create_timeout):
        _record('create_cluster', cluster, timeout=cluster_create_timeout)
        self._validate_allowed_flavor(context, cluster.master_flavor_id)
        for ng in cluster.nodegroups:
            self._validate_allowed_flavor(context, ng.flavor_id)
        if not cluster.stack_id:
            cluster.stack_id = f'{_sanitized_name(cluster.name)[:30]}-{short_id.generate_id()}'.lower()
            cluster.save()
        self._create_app_cred(context, cluster)
        _, kube_version = self._image_details(context, cluster.cluster_template.image_id)
        neutron.get_external_network_id(context, cluster.cluster_template.external_network_id)
        _ticks[(cluster.uuid, 'create')] = 0
        LOG.info('capi-gate test driver: cluster %s kube %s accepted', cluster.uuid, kube_version)

    def update_cluster_status(self, context, cluster, use_admin_ctx=False):
        _record('update_cluster_status', cluster)
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
