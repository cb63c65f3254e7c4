import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import { inspectorPageDir, startInspectorServer } from '../inspector/server.js';
import type { Command } from '../run.js';
import { CliUsageError } from '../usage-error.js';

const USAGE = 'inspect [FILE] [--port N]';

/**
 * rnrkit inspect [FILE]: serve the inspector page on 127.0.0.1 (a free
 * port unless --port) with a strict Content-Security-Policy, print its
 * address, and with FILE print the address that opens FILE in the page (the
 * page reads it from this server in slices; nothing is uploaded). Runs
 * until interrupted (Ctrl-C), then exits 0.
 */
export const inspect: Command = async ({ args, stdout, stderr }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { port: { type: 'string' } } });
  if (positionals.length > 1) throw new CliUsageError(`inspect takes at most one capture: ${USAGE}`);
  let port = 0;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new CliUsageError(`--port ${JSON.stringify(values.port)}: expected a port number 0-65535`);
  }
  const pageDir = inspectorPageDir();
  if (pageDir === undefined) throw new UsageError('the inspector page is not built: run `npm run inspector` first');
  const server = await startInspectorServer({
    pageDir,
    port,
    ...(positionals[0] !== undefined ? { file: positionals[0] } : {}),
  });
  stdout(`${server.openUrl}\n`);
  stderr(`rnrkit: inspector at ${server.url} (127.0.0.1 only); Ctrl-C stops it\n`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
};
