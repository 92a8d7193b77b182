import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ParleyError } from '@parley/protocol';
import {
  type CryptoKey,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';

export interface AccessClaims {
  /** User id. */
  sub: string;
  /** Device id. */
  did: string;
}

const ISSUER = 'parley';

/**
 * Signs and verifies short-lived EdDSA (Ed25519) access tokens. Every node of a cluster must
 * share the key (PARLEY_JWT_PRIVATE_KEY); a single node generates one into its data dir.
 */
export class TokenService {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    private readonly ttlS: number,
  ) {}

  static async create(opts: {
    jwk?: string | undefined;
    dataDir: string;
    ttlS: number;
  }): Promise<TokenService> {
    let jwk: JWK;
    if (opts.jwk) {
      jwk = JSON.parse(opts.jwk) as JWK;
    } else {
      const file = path.join(opts.dataDir, 'keys', 'jwt-ed25519.json');
      try {
        jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
      } catch {
        const { privateKey } = await generateKeyPair('EdDSA', {
          crv: 'Ed25519',
          extractable: true,
        });
        jwk = await exportJWK(privateKey);
        await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
        await writeFile(file, JSON.stringify(jwk), { mode: 0o600 });
      }
    }
    const privateKey = (await importJWK(jwk, 'EdDSA')) as CryptoKey;
    const { d: _d, ...pub } = jwk;
    const publicKey = (await importJWK(pub, 'EdDSA')) as CryptoKey;
    return new TokenService(privateKey, publicKey, opts.ttlS);
  }

  get ttlSeconds(): number {
    return this.ttlS;
  }

  sign(claims: AccessClaims): Promise<string> {
    return new SignJWT({ did: claims.did })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlS}s`)
      .sign(this.privateKey);
  }

  /** Verifies an access token; throws ParleyError unauthenticated or token_expired. */
  async verify(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer: ISSUER,
        algorithms: ['EdDSA'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.did !== 'string') {
        throw new ParleyError('unauthenticated');
      }
      return { sub: payload.sub, did: payload.did };
    } catch (e) {
      if (e instanceof errors.JWTExpired) throw new ParleyError('token_expired');
      if (e instanceof ParleyError) throw e;
      throw new ParleyError('unauthenticated');
    }
  }
}
