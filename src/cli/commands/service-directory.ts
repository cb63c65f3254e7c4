import { readFileSync } from 'node:fs';
import type { LdapDirectory } from '../../service/ldap/ldap-directory.js';
import { CliUsageError } from '../usage-error.js';

/**
 * The options that point `rnrkit service` at Active Directory instead of
 * the embedded store (docs/directory.md, "The CLI"):
 *
 *   --directory ldaps://HOST[:PORT]/BASE-DN   (or $RNRKIT_DIRECTORY)
 *   --bind USER                               (or $RNRKIT_BIND)
 *   --ca FILE                                 (or $RNRKIT_CA): the CA that signs the DC's certificate
 *   --password-file FILE                      else $RNRKIT_BIND_PASSWORD; never on the command line
 *   --insecure-skip-tls-verify                accept any certificate (loudly named on purpose, and warned about)
 *   --timeout MS                              longest wait for the server, per operation (default 10000)
 */
export const DIRECTORY_OPTIONS = {
  directory: { type: 'string' },
  bind: { type: 'string' },
  ca: { type: 'string' },
  'password-file': { type: 'string' },
  'insecure-skip-tls-verify': { type: 'boolean' },
  timeout: { type: 'string' },
} as const;

/** Where `rnrkit service` keeps and finds objects: the embedded store (--store) or a directory. */
export const BACKEND_OPTIONS = { store: { type: 'string' }, ...DIRECTORY_OPTIONS } as const;

export interface DirectoryOptionValues {
  directory?: string | undefined;
  bind?: string | undefined;
  ca?: string | undefined;
  'password-file'?: string | undefined;
  'insecure-skip-tls-verify'?: boolean | undefined;
  timeout?: string | undefined;
}

/** The directory URL when one is asked for (option or environment), else undefined: the embedded store. */
function directoryUrl(values: DirectoryOptionValues): string | undefined {
  const url = values.directory ?? process.env.RNRKIT_DIRECTORY;
  if (url !== undefined && url.trim() === '')
    throw new CliUsageError(
      '--directory / RNRKIT_DIRECTORY is empty: give ldaps://HOST[:PORT]/BASE-DN, or unset it to use the embedded store',
    );
  return url;
}

/**
 * The backend the BACKEND_OPTIONS choose: the directory's URL, or undefined
 * for the embedded store. Both at once, or a directory option without a
 * directory (it would be silently ignored), is a usage error; `storeUse`
 * says what the store does instead (`listed`, `looked up`).
 */
export function backendUrl(
  values: DirectoryOptionValues & { store?: string | undefined },
  storeUse: string,
): string | undefined {
  const url = directoryUrl(values);
  if (url !== undefined) {
    if (values.store !== undefined) throw new CliUsageError('--store and --directory are two backends: give one');
    return url;
  }
  for (const name of ['bind', 'ca', 'password-file', 'insecure-skip-tls-verify', 'timeout'] as const) {
    if (values[name] !== undefined)
      throw new CliUsageError(
        `--${name} needs --directory (or RNRKIT_DIRECTORY); without one, the embedded store is ${storeUse}`,
      );
  }
  return undefined;
}

/** Connect and bind as the options say; failures are DirectoryErrors with their own exit codes. */
export async function openDirectory(
  url: string,
  values: DirectoryOptionValues,
  providerId: string,
  as: string | undefined,
  warn: (line: string) => void,
): Promise<LdapDirectory> {
  if (as !== undefined)
    throw new CliUsageError('--as does not apply to a directory: the principal is the bind identity (--bind)');
  const bind = values.bind ?? process.env.RNRKIT_BIND;
  if (!bind)
    throw new CliUsageError(
      '--directory needs --bind USER (or RNRKIT_BIND): the identity the directory checks access for',
    );
  const password = readPassword(values['password-file']);
  const caFile = values.ca ?? process.env.RNRKIT_CA;
  const insecure = values['insecure-skip-tls-verify'] === true;
  if (insecure)
    warn(
      "rnrkit: WARNING: --insecure-skip-tls-verify: the server's certificate is not checked; anyone on the path can read the bind password and forge answers\n",
    );
  let timeoutMs = 10_000;
  if (values.timeout !== undefined) {
    if (!/^\d{1,7}$/.test(values.timeout) || Number(values.timeout) === 0)
      throw new CliUsageError(
        `--timeout takes a positive whole number of milliseconds, not ${JSON.stringify(values.timeout)}`,
      );
    timeoutMs = Number(values.timeout);
  }
  const { LdapDirectory } = await import('../../service/ldap/ldap-directory.js');
  return LdapDirectory.open({
    url,
    bind,
    password,
    ...(caFile ? { ca: readFileSync(caFile) } : {}),
    insecureSkipTlsVerify: insecure,
    timeoutMs,
    connectTimeoutMs: timeoutMs,
    providerId,
  });
}

function readPassword(file: string | undefined): string {
  if (file !== undefined) {
    const text = readFileSync(file, 'utf8');
    // One line: a trailing newline from `echo pw > file` is not part of the password.
    return text.replace(/\r?\n$/, '');
  }
  const fromEnvironment = process.env.RNRKIT_BIND_PASSWORD;
  if (fromEnvironment === undefined)
    throw new CliUsageError(
      'the bind password comes from --password-file FILE or RNRKIT_BIND_PASSWORD (never the command line)',
    );
  return fromEnvironment;
}
