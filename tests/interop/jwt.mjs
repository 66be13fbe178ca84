// Offline VC-JWT verification with `jose`, an independent JOSE implementation.
//   node jwt.mjs verify <profile.json> <token-file>
//        -> {"verified": bool, "alg": string|null, "kid": string|null, "thumbprint": string|null,
//            "sub": string|null, "error": string|null}
// The key is never taken from the token: the header's `kid` must name a verification method of
// type JsonWebKey listed in the issuer's own document (profile.json, as the service serves it),
// in its assertionMethod, controlled by that document; its publicKeyJwk verifies the signature.
// `thumbprint` is jose's RFC 7638 thumbprint of that JWK, to compare with the kid's fragment.
import {readFileSync} from 'node:fs';
import * as jose from 'jose';

async function verify(profilePath, tokenPath) {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8'));
  const token = readFileSync(tokenPath, 'utf8').trim();
  const header = jose.decodeProtectedHeader(token);
  const kid = header.kid ?? null;
  const out = {verified: false, alg: header.alg ?? null, kid, thumbprint: null, sub: null, error: null};
  const method = [].concat(profile.verificationMethod ?? []).find(m => m.id === kid);
  if(!kid || !method) {
    out.error = `the issuer's document lists no verification method ${kid}`;
    return out;
  }
  if(method.type !== 'JsonWebKey' || method.controller !== profile.id ||
    ![].concat(profile.assertionMethod ?? []).includes(kid)) {
    out.error = `${kid} is not a JsonWebKey assertion method of ${profile.id}`;
    return out;
  }
  out.thumbprint = await jose.calculateJwkThumbprint(method.publicKeyJwk, 'sha256');
  try {
    const key = await jose.importJWK(method.publicKeyJwk, header.alg);
    const {payload} = await jose.jwtVerify(token, key, {
      algorithms: ['RS256', 'EdDSA'],
      issuer: profile.id,
      typ: 'JWT',
    });
    out.verified = true;
    out.sub = payload.sub ?? null;
  } catch(e) {
    out.error = `${e.code ?? e.name}: ${e.message}`;
  }
  return out;
}

const [command, ...args] = process.argv.slice(2);
if(command !== 'verify' || args.length !== 2) {
  console.error('usage: node jwt.mjs verify <profile.json> <token-file>');
  process.exit(2);
}
console.log(JSON.stringify(await verify(...args)));
