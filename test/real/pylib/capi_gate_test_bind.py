"""Test-only ML2 mechanism driver: binds every port on any host as an OVS port, status ACTIVE,
with no L2 agent, so Nova's fake driver gets ACTIVE servers and floating IPs attach. Neutron's
own `test` driver binds only magic host names and asserts on per-process state on rebind."""
from neutron_lib.api.definitions import portbindings
from neutron_lib import constants as const
from neutron_lib.plugins.ml2 import api


class BindAnyHostMechanismDriver(api.MechanismDriver):
    def initialize(self):
        pass

    @property
    def connectivity(self):
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OVS,
                                {portbindings.CAP_PORT_FILTER: True,
                                 portbindings.OVS_HYBRID_PLUG: False},
                                status=const.PORT_STATUS_ACTIVE)
            return
