// Makes the legacy-proof fixtures in tests/vectors/legacy-ed25519-2020/ with the Digital Bazaar
// stack: credentials signed with Ed25519Signature2020 (as the DCC stack and the Learner Credential
// Wallet issued them 2021-2024) by did:key issuers, and CLR 2.0 credentials holding them, some
// carrying Open Badges 3.0 EndorsementCredentials (on the CLR, on a held credential's achievement).
//   node legacy.mjs [outDir]
// Deterministic: fixed seeds and dates, so running it again writes the same files.
// Contexts come only from the repository's contexts/ folder; did:key resolves locally; no http.
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';
import * as vc from '@digitalbazaar/vc';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import * as didKey from '@digitalbazaar/did-method-key';
import {JsonLdDocumentLoader} from 'jsonld-document-loader';

const here = path.dirname(fileURLToPath(import.meta.url));
const contextsDir = path.join(here, '..', '..', 'contexts');
const outDir = process.argv[2] ?? path.join(here, '..', 'vectors', 'legacy-ed25519-2020');
const CONTEXTS = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://www.w3.org/2018/credentials/v1': 'credentials-v1.jsonld',
  'https://w3id.org/security/suites/ed25519-2020/v1': 'ed25519-signature-2020-v1.jsonld',
  'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json': 'clr-v2p0-context-2.0.1.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-context-3.0.3.json',
  'https://www.w3.org/ns/did/v1': 'did-v1.jsonld',
  'https://w3id.org/security/multikey/v1': 'multikey-v1.jsonld',
};
const VC1 = 'https://www.w3.org/2018/credentials/v1';
const VC2 = 'https://www.w3.org/ns/credentials/v2';
const ED2020 = 'https://w3id.org/security/suites/ed25519-2020/v1';
const OB3 = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
const CLR2 = 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json';

const loader = new JsonLdDocumentLoader();
for(const [url, file] of Object.entries(CONTEXTS)) {
  loader.addStatic(url, JSON.parse(readFileSync(path.join(contextsDir, file), 'utf8')));
}
// The x25519 key agreement context that did:key documents list is never needed by a proof.
const staticLoader = loader.build();
const didKeyDriver = didKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519VerificationKey2020.from});

async function documentLoader(url) {
  if(url.startsWith('did:key:')) {
    return {contextUrl: null, documentUrl: url, document: await didKeyDriver.get({url})};
  }
  return staticLoader(url);
}

async function keyFromSeed(byte) {
  const key = await Ed25519VerificationKey2020.generate({seed: new Uint8Array(32).fill(byte)});
  key.controller = `did:key:${key.fingerprint()}`;
  key.id = `${key.controller}#${key.fingerprint()}`;
  return key;
}

async function sign(credential, key, created) {
  const suite = new Ed25519Signature2020({key, date: created});
  return vc.issue({credential: structuredClone(credential), suite, documentLoader});
}

async function verify(credential) {
  const suite = new Ed25519Signature2020();
  const result = await vc.verifyCredential({credential, suite, documentLoader});
  return result.verified;
}

function achievementSubject(name) {
  return {
    type: ['AchievementSubject'],
    identifier: [{
      type: 'IdentityObject',
      identityHash: 'ana@example.com',
      identityType: 'emailAddress',
      hashed: false,
    }],
    achievement: {
      id: `https://college.example/achievements/${name.toLowerCase().replaceAll(' ', '-')}`,
      type: ['Achievement'],
      achievementType: 'Course',
      name,
      description: `Completed ${name}.`,
      criteria: {narrative: 'Passed the final assessment.'},
    },
  };
}

function issuer(key, name) {
  return {id: key.controller, type: ['Profile'], name};
}

// A VC 1.1 Open Badges credential, as the DCC stack issued them.
function vc11(key) {
  return {
    '@context': [VC1, OB3, ED2020],
    id: 'urn:uuid:5f0c1a52-8a3e-4c1b-9d2f-1b7e0c4d9a01',
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: issuer(key, 'Example College'),
    issuanceDate: '2022-06-01T12:00:00Z',
    expirationDate: '2099-06-01T12:00:00Z',
    name: 'Welding Safety',
    credentialSubject: achievementSubject('Welding Safety'),
  };
}

// A VC 2.0 Open Badges 3.0 credential with the legacy suite.
function ob3(key, id, name) {
  return {
    '@context': [VC2, OB3, ED2020],
    id,
    type: ['VerifiableCredential', 'OpenBadgeCredential', 'AchievementCredential'],
    issuer: issuer(key, 'Example College'),
    validFrom: '2023-09-01T12:00:00Z',
    name,
    credentialSubject: achievementSubject(name),
  };
}

function clr(key, nested) {
  return {
    '@context': [VC2, CLR2, OB3, ED2020],
    id: 'urn:uuid:0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6',
    type: ['VerifiableCredential', 'ClrCredential'],
    issuer: issuer(key, 'Example College'),
    validFrom: '2024-01-15T12:00:00Z',
    name: 'Welding Program Transcript',
    credentialSubject: {
      type: ['ClrSubject'],
      identifier: [{
        type: 'IdentityObject',
        identityHash: 'ana@example.com',
        identityType: 'emailAddress',
        hashed: false,
      }],
      verifiableCredential: nested,
    },
  };
}

// An Open Badges 3.0 EndorsementCredential by `key` of the thing whose id is `subjectId`.
function endorsement(key, id, subjectId, comment, validUntil) {
  const doc = {
    '@context': [VC2, OB3, ED2020],
    id,
    type: ['VerifiableCredential', 'EndorsementCredential'],
    issuer: issuer(key, 'Welders Guild'),
    validFrom: '2024-01-10T12:00:00Z',
    name: 'Welders Guild endorsement',
    credentialSubject: {id: subjectId, type: ['EndorsementSubject'], endorsementComment: comment},
  };
  if(validUntil) {
    doc.validUntil = validUntil;
  }
  return doc;
}

const college = await keyFromSeed(0x20);
const other = await keyFromSeed(0x21);
const guild = await keyFromSeed(0x22);
const created = '2024-01-15T12:00:00Z';
const files = {};

files['vc11-ob.json'] = await sign(vc11(college), college, '2022-06-01T12:00:00Z');
const first = await sign(ob3(college, 'urn:uuid:7c3e9f10-2b4d-4a6e-8c1f-3d5b7a9e0c21', 'Welding Safety'),
  college, '2023-09-01T12:00:00Z');
const second = await sign(ob3(college, 'urn:uuid:7c3e9f10-2b4d-4a6e-8c1f-3d5b7a9e0c22', 'Blueprint Reading'),
  college, '2023-12-01T12:00:00Z');
files['ob3.json'] = first;

// Tampered at the source: the issuer stays the college, the proof is made by another did:key.
files['ob3-other-key.json'] = await sign(
  ob3(college, 'urn:uuid:7c3e9f10-2b4d-4a6e-8c1f-3d5b7a9e0c23', 'Welding Safety'), other, created);

files['clr.json'] = await sign(clr(college, [first, second]), college, created);
// The CLR's own proof is sound; the second credential inside it was altered before it was wrapped.
const altered = structuredClone(second);
altered.credentialSubject.achievement.name = 'Advanced Blueprint Reading';
files['clr-altered-nested.json'] = await sign(clr(college, [first, altered]), college, created);
// A CLR inside a CLR: refused, not followed.
files['clr-in-clr.json'] = await sign(clr(college, [files['clr.json']]), college, created);

// Endorsements: one of the CLR itself, one of the achievement of a credential it holds.
const clrId = 'urn:uuid:0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const ofClr = await sign(endorsement(guild, 'urn:uuid:3a9d1c7e-5b2f-4e8a-9c10-6f4d2b8e1a01', clrId,
  'The college\'s welding program meets the guild\'s standard.'), guild, '2024-01-10T12:00:00Z');
const endorsedCredential = ob3(college, 'urn:uuid:7c3e9f10-2b4d-4a6e-8c1f-3d5b7a9e0c24', 'Pipe Welding');
endorsedCredential.credentialSubject.achievement.endorsement = [await sign(
  endorsement(guild, 'urn:uuid:3a9d1c7e-5b2f-4e8a-9c10-6f4d2b8e1a02',
    endorsedCredential.credentialSubject.achievement.id, 'Pipe welding as the guild teaches it.'),
  guild, '2024-01-10T12:00:00Z')];
const third = await sign(endorsedCredential, college, '2023-12-15T12:00:00Z');
const endorsedClr = clr(college, [first, third]);
endorsedClr.endorsement = [ofClr];
files['clr-endorsed.json'] = await sign(endorsedClr, college, created);
// The CLR's proof is sound; its endorsement was altered after the guild signed it.
const alteredEndorsement = structuredClone(ofClr);
alteredEndorsement.credentialSubject.endorsementComment = 'The best welding program in the country.';
const clrAlteredEndorsement = clr(college, [first]);
clrAlteredEndorsement.endorsement = [alteredEndorsement];
files['clr-endorsement-altered.json'] = await sign(clrAlteredEndorsement, college, created);
// An endorsement that expired in 2025: the CLR's proof and the endorsement's are sound.
const clrExpiredEndorsement = clr(college, [first]);
clrExpiredEndorsement.endorsement = [await sign(endorsement(guild, 'urn:uuid:3a9d1c7e-5b2f-4e8a-9c10-6f4d2b8e1a03',
  clrId, 'Endorsed for 2024.', '2025-01-01T00:00:00Z'), guild, '2024-01-10T12:00:00Z')];
files['clr-endorsement-expired.json'] = await sign(clrExpiredEndorsement, college, created);
// An endorsement that claims to be the guild's, signed by another did:key.
const clrForeignEndorsement = clr(college, [first]);
clrForeignEndorsement.endorsement = [await sign(endorsement(guild, 'urn:uuid:3a9d1c7e-5b2f-4e8a-9c10-6f4d2b8e1a04',
  clrId, 'Signed by someone else.'), other, '2024-01-10T12:00:00Z')];
files['clr-endorsement-other-key.json'] = await sign(clrForeignEndorsement, college, created);
files['endorsement.json'] = ofClr;

mkdirSync(outDir, {recursive: true});
for(const [name, doc] of Object.entries(files)) {
  writeFileSync(path.join(outDir, name), JSON.stringify(doc, null, 2) + '\n');
}
const verdicts = {};
for(const [name, doc] of Object.entries(files)) {
  verdicts[name] = await verify(doc);
}
// What the npm verifier says of each embedded endorsement, on its own.
const endorsementVerdicts = {};
for(const [name, doc] of Object.entries(files)) {
  const found = [...(doc.endorsement ?? [])];
  for(const held of doc.credentialSubject?.verifiableCredential ?? []) {
    found.push(...(held.credentialSubject?.achievement?.endorsement ?? []));
  }
  if(found.length > 0 && name !== 'endorsement.json') {
    endorsementVerdicts[name] = [];
    for(const e of found) {
      endorsementVerdicts[name].push(await verify(e));
    }
  }
}
writeFileSync(path.join(outDir, 'keys.json'), JSON.stringify({
  issuer: college.controller,
  issuerVerificationMethod: college.id,
  otherKey: other.controller,
  otherVerificationMethod: other.id,
  endorser: guild.controller,
  endorserVerificationMethod: guild.id,
  npmVerifies: verdicts,
  npmVerifiesEndorsements: endorsementVerdicts,
}, null, 2) + '\n');
console.log(JSON.stringify(verdicts));
