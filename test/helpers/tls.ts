/**
 * A CA and a server certificate for 127.0.0.1 and localhost (and `extraDnsNames`, default
 * none), made at test time with openssl. `only: 'localhost'` leaves 127.0.0.1 out (a
 * certificate that doesn't hold the IP a client connects to).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface TestPki {
  readonly caCert: Buffer;
  readonly serverCert: Buffer;
  readonly serverKey: Buffer;
  readonly dir: string;
  cleanup(): void;
}

export function makeTestPki(extraDnsNames: readonly string[] = [], only?: 'localhost'): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'longrun-pki-'));
  const file = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'pipe' });
  };
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=longrun test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
  );
  const names = [
    ...(only === 'localhost' ? [] : ['IP:127.0.0.1']),
    'DNS:localhost',
    ...extraDnsNames.map((name) => `DNS:${name}`),
  ];
  writeFileSync(file('ext.cnf'), `subjectAltName=${names.join(',')}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    file('ext.cnf'),
    '-out',
    file('server.crt'),
  );
  return {
    caCert: readFileSync(file('ca.crt')),
    serverCert: readFileSync(file('server.crt')),
    serverKey: readFileSync(file('server.key')),
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
