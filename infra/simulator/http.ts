/** The HTTP server: sends each request to the control API or the OneEntry routes, and logs. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleApi } from './api';
import { CONTROL_PREFIX, handleControl } from './control';
import { sendError } from './respond';
import type { SimulatorState } from './state';

export interface SimulatorServerOptions {
  state: SimulatorState;
  appToken: string;
  logRequests: boolean;
}

export interface SimulatorServer {
  server: Server;
  /** Ends every connection, hung and delayed requests included, and stops listening. */
  close(): Promise<void>;
}

function logWhenDone(req: IncomingMessage, res: ServerResponse, path: string): void {
  const startedAt = performance.now();
  res.once('close', () => {
    const elapsedMs = Math.round(performance.now() - startedAt);
    const outcome = res.writableFinished ? String(res.statusCode) : 'aborted';
    // Paths carry no credentials; headers (which do) are never logged.
    process.stderr.write(`[simulator] ${req.method} ${path} ${outcome} ${elapsedMs}ms\n`);
  });
}

export function createSimulatorServer({
  state,
  appToken,
  logRequests,
}: SimulatorServerOptions): SimulatorServer {
  const closing = new AbortController();

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    if (logRequests) logWhenDone(req, res, path);
    if (path.startsWith(CONTROL_PREFIX)) return handleControl(req, res, path, { state, appToken });
    const handled = await handleApi(req, res, path, { state, appToken, closing: closing.signal });
    if (!handled) sendError(res, 404, `Cannot ${req.method} ${path}`);
  }

  const server = createServer((req, res) => {
    dispatch(req, res).catch((error: unknown) => {
      process.stderr.write(`[simulator] internal error: ${String(error)}\n`);
      sendError(res, 500, 'Simulator internal error');
    });
  });

  let closed: Promise<void> | undefined;
  function close(): Promise<void> {
    closed ??= new Promise<void>((resolve, reject) => {
      closing.abort();
      server.close((error) => (error ? reject(error) : resolve()));
      // close() alone waits for open requests, and a hung one never ends.
      server.closeAllConnections();
    });
    return closed;
  }

  return { server, close };
}
