#!/usr/bin/python3
"""objects.py keystone|seed|check-catalog|repair-catalog - the full profile's OpenStack objects over REST (one process, one
token per user, idempotent), for scripts/real-openstack.sh. Passwords come from the environment
(ADMIN_PASSWORD, CAPI_USER_PASSWORD, SERVICE_PASSWORD, MEMBER2_PASSWORD, OTHER_PASSWORD), never argv.

  keystone  service users (nova placement neutron octavia magnum) with admin + service on project
            service; the load-balancer_* roles; the Magnum trustee domain and its admin; a second
            member of capi-mgmt (capi-user2: member, reader, load-balancer_member), a member
            without load-balancer_member (capi-plain: member, reader), a user of another project
            (capi-other/capi-other-user: member, reader, load-balancer_member); the catalog; capi-user's
            unrestricted application credential (printed on stdout with the ids it made).
  seed      (needs the services) flavors, provider-ext and its subnet, the keypair for the tenant
            and the admin, the management network/subnet/router and VM with a floating IP; prints
            a JSON of what it made on stdout.
Mirrors the simulator's seed (sim/seed.ts) where the runbook gives no name."""
import json
import os
import sys
import time

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

H = os.environ.get('HOST', '127.0.0.1')
KS = 'http://%s:5000/v3' % H
ENV = os.environ


def sess(user, udom, pw, project, pdom):
    a = v3.Password(auth_url=KS, username=user, user_domain_name=udom, password=pw,
                    project_name=project, project_domain_name=pdom)
    return ks_session.Session(auth=a)


def admin():
    return sess('admin', 'admin_domain', ENV['ADMIN_PASSWORD'], 'admin', 'admin_domain')


def tenant():
    return sess('capi-user', 'capi', ENV['CAPI_USER_PASSWORD'], 'capi-mgmt', 'capi')


def call(s, service, method, path, body=None, ok=(200, 201, 202, 204), headers=None):
    r = s.request(path, method, endpoint_filter={'service_type': service, 'interface': 'public', 'region_name': 'RegionOne'},
                  json=body, raise_exc=False, headers=headers or {})
    if r.status_code not in ok:
        raise SystemExit('objects.py: %s %s %s -> %s %s' % (service, method, path, r.status_code, r.text[:400]))
    return r.json() if r.content else None


def keystone():
    s = admin()
    ks = lambda m, p, b=None, ok=(200, 201, 204): call(s, 'identity', m, p, b, ok)

    def one(coll, **q):
        qs = '&'.join('%s=%s' % kv for kv in q.items())
        items = ks('GET', '/%s?%s' % (coll, qs))[coll]
        return items[0]['id'] if items else None

    def domain(name):
        return one('domains', name=name) or ks('POST', '/domains', {'domain': {'name': name}})['domain']['id']

    def role(name):
        return one('roles', name=name) or ks('POST', '/roles', {'role': {'name': name}})['role']['id']

    def project(name, dom):
        return one('projects', name=name, domain_id=dom) or ks('POST', '/projects', {'project': {'name': name, 'domain_id': dom}})['project']['id']

    def user(name, dom, pw):
        uid = one('users', name=name, domain_id=dom)
        if uid:
            ks('PATCH', '/users/' + uid, {'user': {'password': pw}})
            return uid
        return ks('POST', '/users', {'user': {'name': name, 'domain_id': dom, 'password': pw}})['user']['id']

    def grant(uid, r, proj=None, dom=None):
        ks('PUT', '/%s/users/%s/roles/%s' % ('projects/' + proj if proj else 'domains/' + dom, uid, r))

    pw = ENV['SERVICE_PASSWORD']
    service = project('service', 'default')
    admin_dom, capi_dom = domain('admin_domain'), domain('capi')
    admin_proj, capi_proj = project('admin', admin_dom), project('capi-mgmt', capi_dom)
    R = {n: role(n) for n in ['admin', 'member', 'reader', 'service', 'load-balancer_member', 'load-balancer_admin',
                              'load-balancer_observer', 'load-balancer_global_observer', 'load-balancer_quota_admin']}
    for u in ['nova', 'placement', 'neutron', 'octavia', 'magnum']:
        uid = user(u, 'default', pw)
        grant(uid, R['admin'], service)
        grant(uid, R['service'], service)
    grant(one('users', name='admin', domain_id=admin_dom), R['load-balancer_admin'], admin_proj)
    mdom = domain('magnum')
    grant(user('magnum_domain_admin', mdom, pw), R['admin'], dom=mdom)
    u2 = user('capi-user2', capi_dom, ENV['MEMBER2_PASSWORD'])
    for r in ['member', 'reader', 'load-balancer_member']:
        grant(u2, R[r], capi_proj)
    plain = user('capi-plain', capi_dom, ENV['MEMBER2_PASSWORD'])
    for r in ['member', 'reader']:
        grant(plain, R[r], capi_proj)
    other_proj = project('capi-other', capi_dom)
    other = user('capi-other-user', capi_dom, ENV['OTHER_PASSWORD'])
    for r in ['member', 'reader', 'load-balancer_member']:
        grant(other, R[r], other_proj)
    catalog(s, repair=True)
    # Magnum's CAPI Helm driver mints the cluster's own application credential as the requesting
    # user, which Keystone refuses to a restricted application credential (403): an unrestricted
    # one, made by capi-user itself, can create clusters.
    t = tenant()
    uid = t.get_user_id()
    acs = call(t, 'identity', 'GET', '/users/%s/application_credentials?name=capi-appcred-unrestricted' % uid)['application_credentials']
    for ac in acs:
        call(t, 'identity', 'DELETE', '/users/%s/application_credentials/%s' % (uid, ac['id']))
    ac = call(t, 'identity', 'POST', '/users/%s/application_credentials' % uid, {'application_credential': {
        'name': 'capi-appcred-unrestricted', 'unrestricted': True, 'description': 'capi-gate real-openstack.sh (unrestricted)',
        'roles': [{'name': 'member'}, {'name': 'reader'}, {'name': 'load-balancer_member'}]}})['application_credential']
    print(json.dumps({'otherProjectId': other_proj, 'serviceProjectId': service,
                      'appCredUnrestricted': {'id': ac['id'], 'secret': ac['secret']}}))


CATALOG = [('placement', 'placement', 'http://%s:8778' % H), ('nova', 'compute', 'http://%s:8774/v2.1' % H),
           ('neutron', 'network', 'http://%s:9696' % H), ('octavia', 'load-balancer', 'http://%s:9876' % H),
           ('magnum', 'container-infra', 'http://%s:9511/v1' % H)]


def catalog(s, repair):
    """True when each service type has exactly our three endpoints. With repair, makes it so:
    another tool may have re-pointed a type (the simulator's hybrid mode replaces these endpoints
    with its own and deletes them when it closes)."""
    ks = lambda m, p, b=None: call(s, 'identity', m, p, b)
    services = ks('GET', '/services')['services']
    endpoints = ks('GET', '/endpoints')['endpoints']
    ok = True
    for name, typ, url in CATALOG:
        sids = [sv['id'] for sv in services if sv['type'] == typ]
        want = {(i, url, 'RegionOne') for i in ('public', 'internal', 'admin')}
        have = [e for e in endpoints if e['service_id'] in sids]
        if len(sids) == 1 and {(e['interface'], e['url'], e.get('region_id')) for e in have} == want and len(have) == 3:
            continue
        ok = False
        if not repair:
            continue
        for e in have:
            ks('DELETE', '/endpoints/%s' % e['id'])
        for sid in sids[1:]:
            ks('DELETE', '/services/%s' % sid)
        sid = sids[0] if sids else ks('POST', '/services', {'service': {'name': name, 'type': typ}})['service']['id']
        for i in ('public', 'internal', 'admin'):
            ks('POST', '/endpoints', {'endpoint': {'service_id': sid, 'interface': i, 'url': url, 'region_id': 'RegionOne'}})
    return ok


def check_catalog():
    sys.exit(0 if catalog(admin(), repair=False) else 1)


def repair_catalog():
    catalog(admin(), repair=True)


def seed():
    a, t = admin(), tenant()
    out = {}
    net = lambda s, m, p, b=None, ok=(200, 201, 204): call(s, 'network', m, p, b, ok)
    nova = lambda s, m, p, b=None, ok=(200, 201, 202, 204): call(s, 'compute', m, p, b, ok, {'OpenStack-API-Version': 'compute 2.1'})

    # flavors meeting the CAPI Helm driver's minimums (site.example.yaml ENV(flavors))
    have = {f['name']: f['id'] for f in nova(a, 'GET', '/flavors')['flavors']}
    for name, ram, vcpus in [('gp.mid', 8192, 2), ('capi.node', 4096, 2)]:
        if name not in have:
            have[name] = nova(a, 'POST', '/flavors', {'flavor': {'name': name, 'ram': ram, 'vcpus': vcpus, 'disk': 40}})['flavor']['id']
    out['flavors'] = {'gp.mid': have['gp.mid'], 'capi.node': have['capi.node']}

    # provider-ext: the external provider network of phase-04 and its subnet
    nets = net(a, 'GET', '/v2.0/networks?name=provider-ext')['networks']
    ext = nets[0] if nets else net(a, 'POST', '/v2.0/networks', {'network': {
        'name': 'provider-ext', 'router:external': True, 'provider:network_type': 'flat', 'provider:physical_network': 'provider'}})['network']
    subs = net(a, 'GET', '/v2.0/subnets?name=provider-ext-subnet')['subnets']
    ext_sub = subs[0] if subs else net(a, 'POST', '/v2.0/subnets', {'subnet': {
        'name': 'provider-ext-subnet', 'network_id': ext['id'], 'ip_version': 4, 'cidr': '10.12.7.0/24', 'gateway_ip': '10.12.7.1',
        'allocation_pools': [{'start': '10.12.7.20', 'end': '10.12.7.250'}], 'enable_dhcp': False}})['subnet']
    out['externalNetwork'] = {'name': 'provider-ext', 'id': ext['id'], 'subnetId': ext_sub['id'], 'cidr': ext_sub['cidr']}

    # the keypair, for the cluster creator and the admin (keypairs belong to a user)
    pub = open(ENV['KEYPAIR_PUB']).read().strip()
    for s in (t, a):
        if not any(k['keypair']['name'] == 'capi-mgmt-key' for k in nova(s, 'GET', '/os-keypairs')['keypairs']):
            nova(s, 'POST', '/os-keypairs', {'keypair': {'name': 'capi-mgmt-key', 'public_key': pub}})
    out['keypair'] = 'capi-mgmt-key'

    # the management VM's network and the VM itself, with its floating IP (D-011.3)
    nets = net(t, 'GET', '/v2.0/networks?name=capi-mgmt-net')['networks']
    mnet = nets[0] if nets else net(t, 'POST', '/v2.0/networks', {'network': {'name': 'capi-mgmt-net'}})['network']
    subs = net(t, 'GET', '/v2.0/subnets?name=capi-mgmt-subnet')['subnets']
    msub = subs[0] if subs else net(t, 'POST', '/v2.0/subnets', {'subnet': {
        'name': 'capi-mgmt-subnet', 'network_id': mnet['id'], 'ip_version': 4, 'cidr': '10.20.0.0/24', 'dns_nameservers': ['8.8.8.8']}})['subnet']
    routers = net(t, 'GET', '/v2.0/routers?name=capi-mgmt-router')['routers']
    if not routers:
        rt = net(t, 'POST', '/v2.0/routers', {'router': {'name': 'capi-mgmt-router', 'external_gateway_info': {'network_id': ext['id']}}})['router']
        net(t, 'PUT', '/v2.0/routers/%s/add_router_interface' % rt['id'], {'subnet_id': msub['id']})
    servers = nova(t, 'GET', '/servers?name=%5Ecapi-mgmt-v2%24')['servers']
    image_id = ENV['IMAGE_ID']
    if servers:
        sid = servers[0]['id']
    else:
        sid = nova(t, 'POST', '/servers', {'server': {'name': 'capi-mgmt-v2', 'flavorRef': have['gp.mid'], 'imageRef': image_id,
                                                     'key_name': 'capi-mgmt-key', 'networks': [{'uuid': mnet['id']}]}})['server']['id']
    st = None
    for _ in range(240):
        st = nova(t, 'GET', '/servers/%s' % sid)['server']['status']
        if st in ('ACTIVE', 'ERROR'):
            break
        time.sleep(0.5)
    if st != 'ACTIVE':
        raise SystemExit('objects.py: management VM capi-mgmt-v2 is %s' % st)
    ports = net(t, 'GET', '/v2.0/ports?device_id=%s' % sid)['ports']
    if not ports:
        raise SystemExit('objects.py: management VM has no port')
    fips = net(t, 'GET', '/v2.0/floatingips?port_id=%s' % ports[0]['id'])['floatingips']
    fip = fips[0] if fips else net(t, 'POST', '/v2.0/floatingips', {'floatingip': {
        'floating_network_id': ext['id'], 'port_id': ports[0]['id'], 'description': 'capi-mgmt-v2 floating IP'}})['floatingip']
    out['mgmtVm'] = {'name': 'capi-mgmt-v2', 'id': sid, 'fip': fip['floating_ip_address'], 'networkId': mnet['id'], 'subnetId': msub['id']}
    print(json.dumps(out))


{'keystone': keystone, 'seed': seed, 'check-catalog': check_catalog, 'repair-catalog': repair_catalog}[sys.argv[1]]()
