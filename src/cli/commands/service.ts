import { existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import {
  RNRSERVICE_DELETE,
  RNRSERVICE_DEREGISTER,
  RNRSERVICE_REGISTER,
  SERVICE_MULTIPLE,
} from '../../abi/constants.js';
import { StoreError, WinsockError } from '../../service/errors.js';
import { DirectoryError } from '../../service/ldap/errors.js';
import type { LdapDirectory } from '../../service/ldap/ldap-directory.js';
import { checkFieldLimits, DEFAULT_FIELD_LIMITS } from '../../service/limits.js';
import { resolveSource } from '../../service/query-set-source.js';
import { PROVIDER_IDS, WinsockRegistry } from '../../service/registry.js';
import { openStore, openTransientStore } from '../../service/store.js';
import { checkStorePath } from '../../service/store-path.js';
import { validateSetService } from '../../service/validate.js';
import { JSON_INPUT_OPTIONS, jsonInputOptions, readJsonInput } from '../json-input.js';
import { archOption, charsetOption, json } from '../options.js';
import type { Command, CommandContext } from '../run.js';
import { errorLine } from '../terminal-text.js';
import { CliUsageError } from '../usage-error.js';
import { BACKEND_OPTIONS, backendUrl, openDirectory } from './service-directory.js';
import { lookupCommand } from './service-lookup.js';

const OPERATIONS: Record<string, number> = {
  register: RNRSERVICE_REGISTER,
  deregister: RNRSERVICE_DEREGISTER,
  delete: RNRSERVICE_DELETE,
};
const SUBCOMMANDS = [...Object.keys(OPERATIONS), 'list', 'providers', 'lookup'];

/**
 * rnrkit service register|deregister|delete QUERY.json [--multiple] [--store PATH] [--as NAME] [--arch x86|x64] [--charset W|A] [--max-input BYTES]
 * rnrkit service list [--store PATH]
 * rnrkit service providers
 * rnrkit service lookup --class GUID … (service-lookup.ts)
 * … or any of them with --directory ldaps://HOST[:PORT]/BASE-DN --bind USER [--ca FILE]
 *   [--password-file FILE] (service-directory.ts): Active Directory instead
 *   of the store; a failure of the directory itself (unreachable, TLS,
 *   bind, timeout, referral, schema) is one line and its own exit code, 3–9.
 *
 * The store is --store, else $RNRKIT_STORE, else rnrkit.db in the current
 * directory. A Winsock result is JSON on stdout (exit 0 on success, 1 on a
 * Winsock error); bad input that is not a Winsock result (a file that is not
 * JSON, a store file that is not a store) is one line on stderr, exit 1.
 * Input is validated before the store is opened, so a call that fails
 * validation never creates or touches the store file.
 */
export const service: Command = async (ctx) => {
  const [sub, ...rest] = ctx.args;
  if (sub === undefined || !SUBCOMMANDS.includes(sub)) {
    throw new CliUsageError(
      `service needs a subcommand: one of ${SUBCOMMANDS.join(', ')}${sub === undefined ? '' : ` (not ${JSON.stringify(sub)})`}`,
    );
  }
  try {
    if (sub === 'list') return await list(ctx, rest);
    if (sub === 'providers') return await providers(ctx, rest);
    if (sub === 'lookup') return await lookupCommand(ctx, rest, storePath);
    return await setService(ctx, rest, OPERATIONS[sub]!);
  } catch (e) {
    // Not a Winsock result and not bad input: the directory failed as a service, with its own exit code.
    if (e instanceof DirectoryError) {
      ctx.stderr(errorLine(e.message));
      return e.exitCode;
    }
    throw e;
  }
};

function storePath(value: string | undefined): string {
  if (value !== undefined) return value;
  const fromEnvironment = process.env.RNRKIT_STORE;
  if (fromEnvironment === undefined) return 'rnrkit.db';
  // Set but empty is a mistake to point out, not a reason to fall back to rnrkit.db (or to a store SQLite would not keep).
  if (fromEnvironment.trim() === '')
    throw new StoreError('RNRKIT_STORE is set but empty: name the store file, or unset it to use rnrkit.db');
  return fromEnvironment;
}

function busyTimeoutOption(value: string | undefined): number {
  if (value === undefined) return 10_000;
  if (!/^\d{1,9}$/.test(value))
    throw new CliUsageError(`--busy-timeout takes a whole number of milliseconds, not ${JSON.stringify(value)}`);
  return Number(value);
}

function defaultPrincipal(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'local';
  }
}

async function setService({ stdout, stderr }: CommandContext, args: string[], operation: number): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      multiple: { type: 'boolean' },
      as: { type: 'string' },
      arch: { type: 'string' },
      charset: { type: 'string' },
      'busy-timeout': { type: 'string' },
      ...JSON_INPUT_OPTIONS,
      ...BACKEND_OPTIONS,
    },
  });
  if (positionals.length !== 1)
    throw new CliUsageError(
      'service register|deregister|delete takes one QUERY.json (canonical JSON of a query set, - for stdin)',
    );
  const url = backendUrl(values, 'used');
  const arch = archOption(values.arch, 'x64');
  const charset = charsetOption(values.charset);
  const flags = values.multiple ? SERVICE_MULTIPLE : 0;
  // Capped, strict UTF-8 (docs/limits/captures.md, "Command line inputs").
  const querySet = readJsonInput(positionals[0]!, jsonInputOptions(values));
  const source = { querySet, arch, charset };
  try {
    // Everything ws2_32 checks before a provider runs, before the store is opened.
    const resolved = resolveSource(source, arch, 65_536);
    validateSetService(resolved.querySet, operation, flags, arch, charset);
    checkFieldLimits(resolved.querySet, DEFAULT_FIELD_LIMITS);
  } catch (e) {
    if (e instanceof WinsockError) return winsockFailure(stdout, e);
    throw e;
  }
  let registry: WinsockRegistry;
  let close: () => Promise<void>;
  if (url !== undefined) {
    const directory = await openDirectory(url, values, PROVIDER_IDS.directory, values.as, stderr);
    registry = new WinsockRegistry({ remoteDirectory: directory, principal: directory.principal, arch });
    close = () => directory.close();
  } else {
    const store = openStore(storePath(values.store), { busyTimeoutMs: busyTimeoutOption(values['busy-timeout']) });
    registry = new WinsockRegistry({ store, principal: values.as ?? defaultPrincipal(), arch });
    close = async () => store.close();
  }
  registry.startup();
  try {
    // The directory's provider is asynchronous (LDAP); the store's is synchronous.
    const result =
      url !== undefined
        ? await registry.setServiceTypedAsync(source, operation, flags)
        : registry.setServiceTyped(source, operation, flags);
    stdout(json({ result: result.result, providers: result.providers }));
    return 0;
  } catch (e) {
    if (e instanceof WinsockError) return winsockFailure(stdout, e);
    throw e;
  } finally {
    registry.cleanup();
    await close();
  }
}

function winsockFailure(stdout: (text: string) => void, e: WinsockError): number {
  // Several providers in scope: each one's answer too (one provider's is the message itself).
  stdout(
    json({
      result: -1,
      error: e.name,
      code: e.code,
      message: e.message,
      ...(e.providers && e.providers.length > 1 ? { providers: e.providers } : {}),
    }),
  );
  return 1;
}

/**
 * `service list` and `service providers`: no arguments, and an answer from
 * the directory when one is asked for, else from the embedded store.
 */
async function describeBackend(
  { stdout, stderr }: CommandContext,
  args: string[],
  command: string,
  answer: {
    /** What the embedded store does in this command, for the message that refuses directory options without a directory. */
    readonly storeUse: string;
    fromDirectory(directory: LdapDirectory): Promise<unknown>;
    fromStore(store: string | undefined): unknown;
  },
): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: BACKEND_OPTIONS });
  if (positionals.length > 0) throw new CliUsageError(`service ${command} takes no arguments`);
  const url = backendUrl(values, answer.storeUse);
  if (url === undefined) {
    stdout(json(answer.fromStore(values.store)));
    return 0;
  }
  const directory = await openDirectory(url, values, PROVIDER_IDS.directory, undefined, stderr);
  try {
    stdout(json(await answer.fromDirectory(directory)));
  } finally {
    await directory.close();
  }
  return 0;
}

function list(ctx: CommandContext, args: string[]): Promise<number> {
  return describeBackend(ctx, args, 'list', {
    storeUse: 'listed',
    fromDirectory: (directory) => directory.list(),
    fromStore(option) {
      const path = storePath(option);
      checkStorePath(path);
      // Listing a store that does not exist shows it empty, and does not create it.
      if (!existsSync(path) || isEmptyFile(path)) return [];
      // Read-only: listing writes nothing, so a store this user may only read can be listed.
      const store = openStore(path, { readOnly: true });
      try {
        return store.list();
      } finally {
        store.close();
      }
    },
  });
}

function isEmptyFile(path: string): boolean {
  const stat = statSync(path);
  return stat.isFile() && stat.size === 0;
}

function providers(ctx: CommandContext, args: string[]): Promise<number> {
  return describeBackend(ctx, args, 'providers', {
    storeUse: 'described',
    // Connected and bound, so a catalog that names the directory is one that works.
    fromDirectory: async (directory) => new WinsockRegistry({ remoteDirectory: directory }).catalog.toJson(),
    fromStore() {
      // The catalog does not depend on the store's contents: an in-memory store stands in, so no file is touched.
      const store = openTransientStore();
      try {
        return new WinsockRegistry({ store }).catalog.toJson();
      } finally {
        store.close();
      }
    },
  });
}
