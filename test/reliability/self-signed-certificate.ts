import { generateKeyPairSync, sign } from 'node:crypto';

/**
 * A throw-away self-signed certificate for `localhost`, built at test time (no fixture, no openssl):
 * a minimal X.509 v1 certificate with a P-256 key, DER-encoded by hand.
 */
function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

const ECDSA_WITH_SHA256 = der(0x30, der(0x06, Buffer.from([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02])));
const name = (cn: string) => der(0x30, der(0x31, der(0x30, der(0x06, Buffer.from([0x55, 0x04, 0x03])), der(0x0c, Buffer.from(cn)))));
const utcTime = (s: string) => der(0x17, Buffer.from(s));

function pem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export function selfSignedCertificate(commonName = 'localhost'): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const tbs = der(
    0x30,
    der(0x02, Buffer.from([0x01])),
    ECDSA_WITH_SHA256,
    name(commonName),
    der(0x30, utcTime('250101000000Z'), utcTime('491231235959Z')),
    name(commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = der(0x30, tbs, ECDSA_WITH_SHA256, der(0x03, Buffer.from([0x00]), signature));
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert: pem('CERTIFICATE', certificate) };
}
