/**
 * The worker's file descriptor (after stdin, stdout, stderr and IPC) on which it names the module a
 * listing is calling into: see worker-main.ts (writer) and worker-process.ts (reader).
 */
export const LISTING_FD = 4;
