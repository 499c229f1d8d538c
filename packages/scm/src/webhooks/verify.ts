import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Provider } from '../events.ts';
import { type HeaderReader, type HeaderSource, headerReader } from './headers.ts';

export interface SignatureCheck {
  provider: Provider;
  headers: HeaderSource;
  /** The request body exactly as received: the signature covers these bytes, not re-serialised JSON. */
  body: Buffer;
  /** Every secret currently accepted (several during a rotation); empty strings are ignored. */
  secrets: readonly string[];
  /** Accept GitHub's legacy `X-Hub-Signature: sha1=...` when no SHA-256 signature is sent. */
  allowSha1?: boolean;
}

/** Valid names which of the secrets given signed it (its index), so the caller can tell whose it is. */
export type SignatureVerdict = { valid: true; signedWith: number } | { valid: false; reason: string };

type HmacAlgorithm = 'sha1' | 'sha256';

const hexLength: Readonly<Record<HmacAlgorithm, number>> = { sha1: 40, sha256: 64 };

const invalid = (reason: string): SignatureVerdict => ({ valid: false, reason });

/** Checks the provider's signature (or token) against each secret, in constant time. Fails closed. */
export function verifySignature(check: SignatureCheck): SignatureVerdict {
  const { secrets } = check;
  if (secrets.every((secret) => secret === '')) return invalid('no webhook secret configured');
  const read = headerReader(check.headers);
  switch (check.provider) {
    case 'github':
      return verifyGithub(read, check.body, secrets, check.allowSha1 ?? false);
    case 'bitbucketserver':
      return verifyPrefixed('X-Hub-Signature', read, check.body, secrets, false);
    case 'gitea':
      return verifyHex('X-Gitea-Signature', 'sha256', read('X-Gitea-Signature'), check.body, secrets);
    case 'gitlab':
      return verifyToken(read('X-Gitlab-Token'), secrets);
  }
}

/** GitHub signs with SHA-256 in X-Hub-Signature-256; the SHA-1 X-Hub-Signature is read only without it. */
function verifyGithub(read: HeaderReader, body: Buffer, secrets: readonly string[], allowSha1: boolean) {
  const sha1Only = read('X-Hub-Signature-256') === undefined && read('X-Hub-Signature') !== undefined;
  return sha1Only
    ? verifyPrefixed('X-Hub-Signature', read, body, secrets, allowSha1)
    : verifyPrefixed('X-Hub-Signature-256', read, body, secrets, false);
}

/** `<algorithm>=<hex>`, as GitHub and Bitbucket Server send it. */
function verifyPrefixed(
  header: string,
  read: HeaderReader,
  body: Buffer,
  secrets: readonly string[],
  allowSha1: boolean,
) {
  const value = read(header);
  if (value === undefined) return invalid(`missing ${header} header`);
  const [, algorithm, hex] = /^(sha1|sha256)=(.*)$/.exec(value) ?? [];
  if (algorithm !== 'sha1' && algorithm !== 'sha256') return invalid(`malformed ${header} header`);
  if (algorithm === 'sha1' && !allowSha1) return invalid(`${header} uses SHA-1, which is not enabled`);
  return verifyHex(header, algorithm, hex, body, secrets);
}

function verifyHex(
  header: string,
  algorithm: HmacAlgorithm,
  hex: string | undefined,
  body: Buffer,
  secrets: readonly string[],
): SignatureVerdict {
  if (hex === undefined) return invalid(`missing ${header} header`);
  // Buffer.from(hex, 'hex') silently drops what is not hex, so the shape is checked first.
  if (hex.length !== hexLength[algorithm] || !/^[0-9a-fA-F]*$/.test(hex)) {
    return invalid(`malformed ${header} header`);
  }
  const expected = Buffer.from(hex, 'hex');
  const signedWith = matching(secrets, (s) => createHmac(algorithm, s).update(body).digest(), expected);
  return signedWith < 0
    ? invalid(`${header} does not match the body for any configured secret`)
    : { valid: true, signedWith };
}

/** GitLab sends the secret itself; comparing digests keeps the token's length from leaking. */
function verifyToken(token: string | undefined, secrets: readonly string[]): SignatureVerdict {
  if (token === undefined) return invalid('missing X-Gitlab-Token header');
  const sha256 = (text: string) => createHash('sha256').update(text).digest();
  const signedWith = matching(secrets, sha256, sha256(token));
  return signedWith < 0
    ? invalid('X-Gitlab-Token matches no configured secret')
    : { valid: true, signedWith };
}

/**
 * The index of the first secret that matches, or -1; an empty one never does. Every secret is compared,
 * without stopping early, so timing does not tell which one matched.
 */
function matching(secrets: readonly string[], digest: (secret: string) => Buffer, expected: Buffer): number {
  let matched = -1;
  secrets.forEach((secret, index) => {
    if (secret !== '' && timingSafeEqual(digest(secret), expected) && matched < 0) matched = index;
  });
  return matched;
}
