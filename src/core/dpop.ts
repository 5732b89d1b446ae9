// DPoP proofs (RFC 9449) for the console-login token endpoint: an ES256 JWS in
// compact form over a P-256 key, whose header carries the public key as a JWK
// and whose claims bind the proof to one request (htm, htu), one moment (iat)
// and one use (jti). botocore builds the same proof in
// credentials.py: LoginCredentialFetcher._build_dpop_header.
//
// node:crypto is imported inside the functions, never at the top: this module
// is reached from the warm path's bundle, which must not load node:crypto while
// the cached keys are still valid (test/e2e/warm-path.test.ts).

export interface DpopKey {
  /** The private key, as node:crypto holds it. */
  readonly key: import("node:crypto").KeyObject;
  /** The public half, as the JWK the proof's header carries. */
  readonly jwk: { kty: "EC"; crv: "P-256"; x: string; y: string };
}

/** Why a PEM key cannot sign a proof; the message never contains the key. */
export class DpopKeyError extends Error {}

/**
 * Reads the dpopKey of a login cache file. Both PEM forms found in the wild are
 * accepted: SEC1 ("BEGIN EC PRIVATE KEY", what the AWS CLI writes) and PKCS#8
 * ("BEGIN PRIVATE KEY", what the shared SDK test cases use). Only P-256 keys.
 */
export async function loadDpopKey(pem: string): Promise<DpopKey> {
  const { createPrivateKey, createPublicKey } = await import("node:crypto");
  let key: import("node:crypto").KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    throw new DpopKeyError("it is not a PEM private key (SEC1 EC PRIVATE KEY or PKCS#8 PRIVATE KEY)");
  }
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new DpopKeyError("it is not a P-256 (prime256v1) EC key");
  }
  const jwk = createPublicKey(key).export({ format: "jwk" }) as { x?: string; y?: string };
  if (typeof jwk.x !== "string" || typeof jwk.y !== "string")
    throw new DpopKeyError("its public point cannot be exported");
  return { key, jwk: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y } };
}

/** One proof for one request: `htu` is the URL without query or fragment (RFC 9449 §4.2). */
export async function dpopProof(dpop: DpopKey, method: string, url: string, now: Date): Promise<string> {
  const { randomUUID, sign } = await import("node:crypto");
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
  const header = part({ typ: "dpop+jwt", alg: "ES256", jwk: dpop.jwk });
  const claims = part({ htm: method, htu: htuOf(url), iat: Math.floor(now.getTime() / 1000), jti: randomUUID() });
  const input = `${header}.${claims}`;
  // JWS wants the raw r||s form (RFC 7518 §3.4), not DER.
  const signature = sign("sha256", Buffer.from(input, "ascii"), { key: dpop.key, dsaEncoding: "ieee-p1363" });
  return `${input}.${signature.toString("base64url")}`;
}

function htuOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
