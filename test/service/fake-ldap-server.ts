import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { BerReader, BerWriter } from 'ldapts';
import { tempDir } from './helpers.js';

/**
 * A minimal LDAPS server that misbehaves on purpose, for the failures a real
 * DC will not produce on demand: a schema without serviceInstance, a
 * referral, silence. It understands just enough (bind, search, unbind) and
 * answers from hand-built BER. Its certificate is made with openssl for
 * 127.0.0.1; `ca` is that certificate.
 */
export type Misbehaviour = 'no-schema' | 'referral' | 'silent';

export function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function fakeLdapServer(
  mode: Misbehaviour,
): Promise<{ url: string; ca: string; close: () => Promise<void> }> {
  const temp = tempDir();
  const key = temp.file('key.pem');
  const cert = temp.file('cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  const sockets = new Set<TLSSocket>();
  const server: Server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (mode === 'silent') return;
    let pending = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      for (;;) {
        const length = frameLength(pending);
        if (length === undefined || pending.length < length) return;
        answer(socket, pending.subarray(0, length), mode);
        pending = pending.subarray(length);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ldaps://127.0.0.1:${port}/DC=fake,DC=test`,
    ca: cert,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      temp.remove();
    },
  };
}

/** The length of the first BER element in `bytes`, or undefined until its header has arrived. */
function frameLength(bytes: Buffer): number | undefined {
  if (bytes.length < 2) return undefined;
  const first = bytes[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (bytes.length < 2 + n) return undefined;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + bytes[2 + i]!;
  return 2 + n + length;
}

function answer(socket: TLSSocket, message: Buffer, mode: Misbehaviour): void {
  const reader = new BerReader(message);
  reader.readSequence();
  const id = reader.readInt() ?? 0;
  const op = reader.peek();
  if (op === 0x60) return void socket.write(result(id, 0x61, 0));
  if (op !== 0x63) return; // unbind, abandon: nothing to say
  reader.readSequence(0x63);
  const base = reader.readString() ?? '';
  if (mode === 'referral') return void socket.write(result(id, 0x65, 10, 'ldaps://elsewhere.example/DC=fake,DC=test'));
  if (base === '')
    socket.write(
      entry(id, '', {
        schemaNamingContext: 'CN=Schema,CN=Configuration,DC=fake,DC=test',
        defaultNamingContext: 'DC=fake,DC=test',
      }),
    );
  // Any other search (the schema's classes): nothing found.
  socket.write(result(id, 0x65, 0));
}

function result(id: number, tag: number, code: number, referral?: string): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(id);
  w.startSequence(tag);
  w.writeEnumeration(code);
  w.writeString('');
  w.writeString(code === 0 ? '' : 'as configured');
  if (referral) {
    w.startSequence(0xa3);
    w.writeString(referral);
    w.endSequence();
  }
  w.endSequence();
  w.endSequence();
  return w.buffer;
}

function entry(id: number, dn: string, attributes: Record<string, string>): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(id);
  w.startSequence(0x64);
  w.writeString(dn);
  w.startSequence();
  for (const [type, value] of Object.entries(attributes)) {
    w.startSequence();
    w.writeString(type);
    w.startSequence(0x31);
    w.writeString(value);
    w.endSequence();
    w.endSequence();
  }
  w.endSequence();
  w.endSequence();
  w.endSequence();
  return w.buffer;
}
