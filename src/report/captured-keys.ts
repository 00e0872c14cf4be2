// Journal capture keys the steps record and the as-built record reads. One list, so a step and
// the report cannot drift apart.

export const CAPTURED = {
  clusterUuid: 'cluster_uuid',
  capiSuffix: 'capi_suffix',
  apiAddress: 'api_address',
  apiLbId: 'api_lb_id',
  apiLbVip: 'api_lb_vip',
  apiFip: 'api_fip',
  healthStatus: 'health_status',
  healthStatusReason: 'health_status_reason',
  nodes: 'nodes',
  kubeVersion: 'kube_version',
  amphoraTopology: 'amphora_topology',
  templateUuid: 'template_uuid',
  imageId: 'image_id',
  projectId: 'project_id',
  failoverDuration: 'failover_duration',
  kubeconfig: 'kubeconfig_path',
} as const;
