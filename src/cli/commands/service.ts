import { existsSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { RNRSERVICE_DELETE, RNRSERVICE_DEREGISTER, RNRSERVICE_REGISTER, SERVICE_MULTIPLE } from '../../abi/constants.js';
import { InvalidDataError } from '../../errors.js';
import { StoreError, WinsockError } from '../../service/errors.js';
import { resolveSource } from '../../service/query-set-source.js';
import { WinsockRegistry } from '../../service/registry.js';
import { openStore, openTransientStore } from '../../service/store.js';
import { validateSetService } from '../../service/validate.js';
import { checkStorePath } from '../../service/store-path.js';
import { archOption, charsetOption, json } from '../options.js';
import type { Command, CommandContext } from '../run.js';
import { CliUsageError } from '../usage-error.js';
import { lookupCommand } from './service-lookup.js';

const OPERATIONS: Record<string, number> = { register: RNRSERVICE_REGISTER, deregister: RNRSERVICE_DEREGISTER, delete: RNRSERVICE_DELETE };
const SUBCOMMANDS = [...Object.keys(OPERATIONS), 'list', 'providers', 'lookup'];

/**
 * rnrkit service register|deregister|delete QUERY.json [--multiple] [--store PATH] [--as NAME] [--arch x86|x64] [--charset W|A]
 * rnrkit service list [--store PATH]
 * rnrkit service providers
 * rnrkit service lookup --class GUID … (service-lookup.ts)
 *
 * The store is --store, else $RNRKIT_STORE, else rnrkit.db in the current
 * directory. A Winsock result is JSON on stdout (exit 0 on success, 1 on a
 * Winsock error); bad input that is not a Winsock result (a file that is not
 * JSON, a store file that is not a store) is one line on stderr, exit 1.
 * Input is validated before the store is opened, so a call that fails
 * validation never creates or touches the store file.
 */
export const service: Command = (ctx) => {
  const [sub, ...rest] = ctx.args;
  if (sub === undefined || !SUBCOMMANDS.includes(sub)) {
    throw new CliUsageError(`service needs a subcommand: one of ${SUBCOMMANDS.join(', ')}${sub === undefined ? '' : ` (not ${JSON.stringify(sub)})`}`);
  }
  if (sub === 'list') return list(ctx, rest);
  if (sub === 'providers') return providers(ctx, rest);
  if (sub === 'lookup') return lookupCommand(ctx, rest, storePath);
  return setService(ctx, rest, OPERATIONS[sub]!);
};

function storePath(value: string | undefined): string {
  if (value !== undefined) return value;
  const fromEnvironment = process.env.RNRKIT_STORE;
  if (fromEnvironment === undefined) return 'rnrkit.db';
  // Set but empty is a mistake to point out, not a reason to fall back to rnrkit.db (or to a store SQLite would not keep).
  if (fromEnvironment.trim() === '') throw new StoreError('RNRKIT_STORE is set but empty: name the store file, or unset it to use rnrkit.db');
  return fromEnvironment;
}

function busyTimeoutOption(value: string | undefined): number {
  if (value === undefined) return 10_000;
  if (!/^\d{1,9}$/.test(value)) throw new CliUsageError(`--busy-timeout takes a whole number of milliseconds, not ${JSON.stringify(value)}`);
  return Number(value);
}

function defaultPrincipal(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'local';
  }
}

function readQuery(file: string): unknown {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InvalidDataError(`${file === '-' ? 'stdin' : file} is not JSON: ${(e as Error).message}`);
  }
}

function setService({ stdout }: CommandContext, args: string[], operation: number): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      multiple: { type: 'boolean' },
      store: { type: 'string' },
      as: { type: 'string' },
      arch: { type: 'string' },
      charset: { type: 'string' },
      'busy-timeout': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new CliUsageError('service register|deregister|delete takes one QUERY.json (canonical JSON of a query set, - for stdin)');
  const arch = archOption(values.arch, 'x64');
  const charset = charsetOption(values.charset);
  const flags = values.multiple ? SERVICE_MULTIPLE : 0;
  const querySet = readQuery(positionals[0]!);
  const source = { querySet, arch, charset };
  try {
    // Everything ws2_32 checks before a provider runs, before the store is opened.
    const resolved = resolveSource(source, arch, Number.MAX_SAFE_INTEGER);
    validateSetService(resolved.querySet, operation, flags, arch, charset);
  } catch (e) {
    if (e instanceof WinsockError) return winsockFailure(stdout, e);
    throw e;
  }
  const store = openStore(storePath(values.store), { busyTimeoutMs: busyTimeoutOption(values['busy-timeout']) });
  const registry = new WinsockRegistry({ store, principal: values.as ?? defaultPrincipal(), arch });
  registry.startup();
  try {
    const result = registry.setServiceTyped(source, operation, flags);
    stdout(json({ result: result.result, providers: result.providers }));
    return 0;
  } catch (e) {
    if (e instanceof WinsockError) return winsockFailure(stdout, e);
    throw e;
  } finally {
    registry.cleanup();
    store.close();
  }
}

function winsockFailure(stdout: (text: string) => void, e: WinsockError): number {
  // Several providers in scope: each one's answer too (one provider's is the message itself).
  stdout(json({ result: -1, error: e.name, code: e.code, message: e.message, ...(e.providers && e.providers.length > 1 ? { providers: e.providers } : {}) }));
  return 1;
}

function list({ stdout }: CommandContext, args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { store: { type: 'string' } } });
  if (positionals.length > 0) throw new CliUsageError('service list takes no arguments');
  const path = storePath(values.store);
  checkStorePath(path);
  // Listing a store that does not exist shows it empty, and does not create it.
  if (!existsSync(path) || isEmptyFile(path)) {
    stdout(json([]));
    return 0;
  }
  // Read-only: listing writes nothing, so a store this user may only read can be listed.
  const store = openStore(path, { readOnly: true });
  try {
    stdout(json(store.list()));
  } finally {
    store.close();
  }
  return 0;
}

function isEmptyFile(path: string): boolean {
  const stat = statSync(path);
  return stat.isFile() && stat.size === 0;
}

function providers({ stdout }: CommandContext, args: string[]): number {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: { store: { type: 'string' } } });
  if (positionals.length > 0) throw new CliUsageError('service providers takes no arguments');
  // The catalog does not depend on the store's contents: an in-memory store stands in, so no file is touched.
  const store = openTransientStore();
  try {
    stdout(json(new WinsockRegistry({ store }).catalog.toJson()));
  } finally {
    store.close();
  }
  return 0;
}
