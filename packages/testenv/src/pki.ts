import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KeyPair {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  ca: KeyPair;
  server: KeyPair;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

const days = '3650';
const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const { code, stderr } = error as { code?: string; stderr?: string };
    if (code === 'ENOENT') throw new Error('testenv: the `openssl` command is needed to make certificates');
    throw new Error(`testenv: openssl ${args[0]} failed: ${stderr ?? error}`);
  }
}

/** A CA, the API server's serving certificate and the service-account signing keys, all in `dir`. */
export async function createPki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  await openssl(
    ['req', '-x509', ...curve, '-keyout', ca.key, '-out', ca.cert, '-days', days, '-subj', '/CN=testenv-ca'],
    dir,
  );
  const server = await issue(
    { dir, ca, name: 'kube-apiserver', subject: '/CN=kube-apiserver' },
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPublicKey = join(dir, 'sa.pub');
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', serviceAccountKey], dir);
  await openssl(['ec', '-in', serviceAccountKey, '-pubout', '-out', serviceAccountPublicKey], dir);
  return { dir, ca, server, serviceAccountKey, serviceAccountPublicKey };
}

const safeName = /^[A-Za-z0-9][A-Za-z0-9:._@-]*$/;

/** A client certificate the API server maps to `user` in `groups` (CN and O, as Kubernetes reads them). */
export async function issueClientCertificate(
  pki: Pki,
  user: string,
  groups: string[] = [],
): Promise<KeyPair> {
  for (const name of [user, ...groups]) {
    if (!safeName.test(name))
      throw new Error(`testenv: ${JSON.stringify(name)} is not a plain user or group name`);
  }
  const subject = `${groups.map((g) => `/O=${g}`).join('')}/CN=${user}`;
  return issue({ dir: pki.dir, ca: pki.ca, name: `user-${user}`, subject }, 'extendedKeyUsage=clientAuth\n');
}

async function issue(
  { dir, ca, name, subject }: { dir: string; ca: KeyPair; name: string; subject: string },
  extensions: string,
): Promise<KeyPair> {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, `keyUsage=critical,digitalSignature,keyEncipherment\n${extensions}`);
  await openssl(['req', ...curve, '-keyout', pair.key, '-out', csr, '-subj', subject], dir);
  await openssl(
    ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-out', pair.cert, '-days', days]
      // A random serial rather than a serial file, so concurrent issuers never share or race on one.
      .concat(['-set_serial', `0x${randomBytes(16).toString('hex')}`, '-extfile', ext]),
    dir,
  );
  return pair;
}
