#!/usr/bin/python3
"""octavia-heartbeats.py OCTAVIA_CONF [INTERVAL] - the amphora heartbeats a real cloud's amphorae
send, for the noop amphora driver that sends none. Every INTERVAL seconds (default 5) one v3
heartbeat per ALLOCATED amphora goes to the health manager (UDP, HMAC with [health_manager]
heartbeat_key), read from Octavia's database: every listener OPEN, every pool UP, every member UP
when its pool has a health monitor, else "no check" (what an amphora reports without one). So
operating_status reaches ONLINE as on a real cloud, and an amphora that beats is never failed
over for missing beats while this runs (it is started and stopped with the profile)."""
import configparser
import signal
import socket
import sys
import time
import urllib.parse

import pymysql
from octavia.amphorae.backends.health_daemon import status_message

conf = configparser.ConfigParser(interpolation=None)
conf.read(sys.argv[1])
interval = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
key = conf.get('health_manager', 'heartbeat_key')
host, port = conf.get('health_manager', 'controller_ip_port_list').split(',')[0].strip().rsplit(':', 1)
db = urllib.parse.urlparse(conf.get('database', 'connection').replace('mysql+pymysql', 'mysql', 1))
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((host, 0))  # loopback only, as every socket of the profile
conn = None
seq = int(time.time())
while running:
    try:
        if conn is None:
            conn = pymysql.connect(host=db.hostname, port=db.port or 3306, user=urllib.parse.unquote(db.username),
                                   password=urllib.parse.unquote(db.password), database=db.path.lstrip('/'), autocommit=True)
        with conn.cursor() as c:
            c.execute("SELECT id, load_balancer_id FROM amphora WHERE status = 'ALLOCATED' AND load_balancer_id IS NOT NULL")
            amps = c.fetchall()
            c.execute("SELECT id, load_balancer_id, default_pool_id FROM listener WHERE provisioning_status <> 'DELETED'")
            listeners = c.fetchall()
            c.execute("SELECT id, load_balancer_id FROM pool WHERE provisioning_status <> 'DELETED'")
            pools = c.fetchall()
            c.execute("SELECT id, pool_id FROM member WHERE provisioning_status <> 'DELETED'")
            members = c.fetchall()
            c.execute("SELECT pool_id FROM health_monitor WHERE provisioning_status <> 'DELETED'")
            monitored = {r[0] for r in c.fetchall()}
        seq += 1
        for amp_id, lb_id in amps:
            msg = {'id': amp_id, 'seq': seq, 'listeners': {}, 'pools': {}, 'ver': 3}
            for lid, llb, default_pool in listeners:
                if llb != lb_id:
                    continue
                msg['listeners'][lid] = {'status': 'OPEN', 'stats': {'tx': 0, 'rx': 0, 'conns': 0, 'totconns': 0, 'ereq': 0}}
                for pid, plb in pools:
                    if plb == lb_id and pid == default_pool:
                        msg['pools']['%s:%s' % (pid, lid)] = {
                            'status': 'UP',
                            'members': {m: ('UP' if pid in monitored else 'no check') for m, mp in members if mp == pid}}
            sock.sendto(status_message.wrap_envelope(msg, key), (host, int(port)))
    except pymysql.MySQLError as e:
        print('octavia-heartbeats: database: %s' % e, file=sys.stderr, flush=True)
        conn = None
    deadline = time.time() + interval
    while running and time.time() < deadline:
        time.sleep(0.2)
