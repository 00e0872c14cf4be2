// Listening on loopback only: every simulated host address is a 127.0.0.0/8 address.

import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';

export function assertLoopback(host: string): void {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) throw new Error(`the host simulator binds loopback only (127.0.0.0/8), not ${host}`);
}

/** Listens on host:port; with fallbackToEphemeral, a busy port is replaced by a free one. */
export function listen(server: Server, host: string, port: number, fallbackToEphemeral = false): Promise<number> {
  assertLoopback(host);
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (fallbackToEphemeral && (e.code === 'EADDRINUSE' || e.code === 'EACCES') && port !== 0) {
        listen(server, host, 0, false).then(resolve, reject);
      } else {
        reject(new Error(`cannot listen on ${host}:${port}: ${e.code ?? e.message}`));
      }
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Closes a listener and drops its open connections (net.Server, http(s).Server or ssh2's Server). */
export function closeServer(server: Pick<Server, 'close'> & { closeAllConnections?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    // close() answers ERR_SERVER_NOT_RUNNING through the callback when it was not listening.
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}
