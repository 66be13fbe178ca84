// Offline Data Integrity (eddsa-rdfc-2022) sign/verify with the Digital Bazaar stack; verify also
// accepts legacy Ed25519Signature2020 proofs.
//   node di.mjs verify [--doc URL=FILE]... [file]
//                                        -> {"verified": bool, "error": string|null}  (stdin if no file)
//        --doc serves a local copy of an https document, such as an issuer's Open Badges Profile
//        that lists its keys; `URL#fragment` then resolves to the verification method with that id.
//   node di.mjs sign <seedHex> [file]    -> signed credential, did:key verification method
// Contexts come only from the repository's contexts/ folder; did:key resolves locally; no http.
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as didKey from '@digitalbazaar/did-method-key';
import {JsonLdDocumentLoader} from 'jsonld-document-loader';

const here = path.dirname(fileURLToPath(import.meta.url));
const contextsDir = path.join(here, '..', '..', 'contexts');
const CONTEXTS = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://www.w3.org/2018/credentials/v1': 'credentials-v1.jsonld',
  'https://www.w3.org/ns/credentials/examples/v2': 'credentials-examples-v2.jsonld',
  'https://w3id.org/security/data-integrity/v2': 'data-integrity-v2.jsonld',
  'https://w3id.org/security/multikey/v1': 'multikey-v1.jsonld',
  'https://www.w3.org/ns/did/v1': 'did-v1.jsonld',
  'https://www.w3.org/ns/credentials/status/v1': 'bitstring-status-list-v1.jsonld',
  'https://w3id.org/security/suites/ed25519-2020/v1': 'ed25519-signature-2020-v1.jsonld',
  'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json': 'clr-v2p0-context-2.0.1.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-context-3.0.3.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json': 'ob-v3p0-context-3.0.2.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json': 'ob-v3p0-context-3.0.1.json',
};

const loader = new JsonLdDocumentLoader();
for(const [url, file] of Object.entries(CONTEXTS)) {
  loader.addStatic(url, JSON.parse(readFileSync(path.join(contextsDir, file), 'utf8')));
}
const staticLoader = loader.build();
const didKeyDriver = didKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

// Documents given with --doc, by URL without fragment.
const localDocs = new Map();

async function documentLoader(url) {
  const [base] = url.split('#');
  if(localDocs.has(base)) {
    const doc = localDocs.get(base);
    if(base === url) {
      return {contextUrl: null, documentUrl: url, document: doc};
    }
    const method = [].concat(doc.verificationMethod ?? []).find(m => m.id === url);
    if(!method) {
      throw new Error(`${base} lists no verification method ${url}`);
    }
    const document = {'@context': 'https://w3id.org/security/multikey/v1', ...method};
    return {contextUrl: null, documentUrl: url, document};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKeyDriver.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  return staticLoader(url);
}

function readInput(file) {
  return JSON.parse(readFileSync(file ?? 0, 'utf8'));
}

async function verify(file) {
  const credential = readInput(file);
  const suite = [new DataIntegrityProof({cryptosuite: eddsaRdfc2022}), new Ed25519Signature2020()];
  // Proofs are what this harness compares; status lists are checked by Credence's own
  // verifier, so the status check here only confirms the entries are well-formed.
  const checkStatus = async ({credential: c}) => {
    const entries = [].concat(c.credentialStatus ?? []);
    const wellFormed = entries.every(e => e.type === 'BitstringStatusListEntry' &&
      /^[0-9]+$/.test(e.statusListIndex) && typeof e.statusListCredential === 'string');
    return wellFormed ? {verified: true} : {verified: false, error: new Error('malformed credentialStatus')};
  };
  const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  const error = result.verified ? null :
    String(result.error?.errors?.[0]?.message ?? result.error?.message ??
      JSON.stringify(result.results?.map(r => r.error?.message)));
  return {verified: result.verified, error};
}

async function sign(seedHex, file) {
  const credential = readInput(file);
  const seed = Uint8Array.from(Buffer.from(seedHex, 'hex'));
  const keyPair = await Ed25519Multikey.generate({seed});
  const controller = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.controller = controller;
  keyPair.id = `${controller}#${keyPair.publicKeyMultibase}`;
  const suite = new DataIntegrityProof({signer: keyPair.signer(), cryptosuite: eddsaRdfc2022});
  return vc.issue({credential, suite, documentLoader});
}

const [command, ...args] = process.argv.slice(2);
try {
  if(command === 'verify') {
    const rest = [];
    for(let i = 0; i < args.length; i++) {
      if(args[i] === '--doc') {
        const [url, file] = args[++i].split(/=(.*)/s);
        localDocs.set(url, JSON.parse(readFileSync(file, 'utf8')));
      } else {
        rest.push(args[i]);
      }
    }
    console.log(JSON.stringify(await verify(rest[0])));
  } else if(command === 'sign') {
    console.log(JSON.stringify(await sign(args[0], args[1]), null, 2));
  } else {
    console.error('usage: di.mjs verify [file] | di.mjs sign <seedHex> [file]');
    process.exit(2);
  }
} catch(e) {
  console.log(JSON.stringify({verified: false, error: String(e?.message ?? e)}));
  process.exit(1);
}
