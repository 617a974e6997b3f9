/**
 * Who is on the other end of a loopback connection. 127.0.0.1 is shared by every user of the
 * computer: another user's program could reach this user's WebSocket mode or Viettel listener,
 * naming an allowed origin (only browsers cannot forge Origin), and put requests in front of this
 * user's consent window. On Linux the kernel says which user owns each TCP socket (/proc/net/tcp);
 * a connection from another user's socket is refused. Elsewhere, and when the kernel's table does
 * not show the connection, nothing can be told and the connection is judged as before (origin,
 * host, consent).
 */
import { readFileSync } from 'node:fs';

/** What Node's net.Socket says of a connection (its ports, from this end). */
export interface LoopbackConnection {
  localPort?: number | undefined;
  remotePort?: number | undefined;
}

const LOOPBACK = '0100007F'; // 127.0.0.1 as /proc/net/tcp writes it (the address's bytes, little-endian)

/**
 * The uid owning the socket at the other end of `connection` (127.0.0.1:remotePort connected to
 * 127.0.0.1:localPort), as the table `procNetTcp` (the text of /proc/net/tcp) lists it; undefined
 * when the table does not show it.
 */
export function peerUid(procNetTcp: string, connection: LoopbackConnection): number | undefined {
  const { localPort, remotePort } = connection;
  if (localPort === undefined || remotePort === undefined) return undefined;
  const port = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  const peerEnd = `${LOOPBACK}:${port(remotePort)}`;
  const ourEnd = `${LOOPBACK}:${port(localPort)}`;
  for (const line of procNetTcp.split('\n')) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid …
    const fields = line.trim().split(/\s+/);
    if (fields[1] === peerEnd && fields[2] === ourEnd) return Number(fields[7]);
  }
  return undefined;
}

/** Whether the connection comes from another user's program: Linux only, where the kernel tells. */
export function fromAnotherUser(connection: LoopbackConnection): boolean {
  const uid = process.getuid?.();
  if (process.platform !== 'linux' || uid === undefined) return false;
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return false; // no /proc (a sandbox): nothing to tell by
  }
  const owner = peerUid(table, connection);
  return owner !== undefined && owner !== uid;
}
