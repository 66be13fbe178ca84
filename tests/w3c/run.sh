#!/usr/bin/env bash
# Runs the W3C interoperability test suites against a local Credence, as the W3C runs them
# against public implementations: through the VC API over https.
#
#   tests/w3c/run.sh SUITES_DIR
#
# SUITES_DIR holds checkouts (from GitHub, which CI cannot reach; so this is not part of
# .ci/run) of w3c/vc-test-suite-implementations and w3c-ccg/data-integrity-test-suite-assertion,
# which the suites depend on, and of any of: w3c/vc-data-model-2.0-test-suite,
# w3c/vc-di-eddsa-test-suite, w3c/vc-bitstring-status-list-test-suite,
# w3c-ccg/vc-api-issuer-test-suite, w3c-ccg/vc-api-verifier-test-suite. Each directory is named
# after its repository. The checkouts are copied, never changed. Needs Node 20, npm and openssl.
# docs/INTEROP.md has the results and what each failure means.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
suites=$(cd "${1:?usage: tests/w3c/run.sh SUITES_DIR}" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

(cd "$root" && cargo build --quiet)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 1 \
  -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
app_port=$(free_port)
tls_port=$(free_port)
base="https://127.0.0.1:$tls_port"
mkdir -p "$work/service"
(cd "$work/service" && exec "$root/target/debug/credence" serve --demo --bind "127.0.0.1:$app_port" \
  --public-url "$base" --rate-limit 0 >"$work/service.log" 2>&1) &
pids+=($!)
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$app_port/healthz" >/dev/null && break
  sleep 0.5
done
key=$(sed -n 's/^Issuer-admin key for emc: //p' "$work/service.log")
[ -n "$key" ] || { echo "the service did not start:"; cat "$work/service.log"; exit 1; }
CREDENCE_W3C_API_KEY="$key" node "$root/tests/w3c/tls-proxy.mjs" "$tls_port" "$app_port" "$work" &
pids+=($!)
sleep 1
export NODE_TLS_REJECT_UNAUTHORIZED=0
profile="$base/issuers/emc"
# The did:key of the organization's current key, for the suites that resolve only did:key.
method=$(curl -sk "$base/credentials/issue" -H 'content-type: application/json' \
  -d '{"credential":{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"'"$profile"'","credentialSubject":{"name":"probe"}}}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["verifiableCredential"]["proof"]["verificationMethod"])')
did_key="did:key:${method#*#}"

# A suite's copy with its GitHub dependencies replaced by copies of the local checkouts
# (copies, not links: the implementations package finds localConfig.cjs from its own path).
prepare() {
  local name=$1 copy="$work/$1"
  cp -r "$suites/$name" "$copy"
  rm -rf "$copy/node_modules"
  sed -i -E \
    -e "s#\"vc-test-suite-implementations\": \"[^\"]*\"#\"vc-test-suite-implementations\": \"file:$suites/vc-test-suite-implementations\"#" \
    -e "s#\"data-integrity-test-suite-assertion\": \"[^\"]*\"#\"data-integrity-test-suite-assertion\": \"file:$suites/data-integrity-test-suite-assertion\"#" \
    "$copy/package.json"
  (cd "$copy" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  for dep in vc-test-suite-implementations data-integrity-test-suite-assertion; do
    if [ -L "$copy/node_modules/$dep" ]; then
      rm "$copy/node_modules/$dep"
      cp -r "$suites/$dep" "$copy/node_modules/$dep"
      (cd "$copy/node_modules/$dep" && npm install --no-audit --no-fund --omit=dev --loglevel=error >/dev/null)
    fi
  done
}

config() {
  cat >"$work/$1/localConfig.cjs" <<EOF
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'Credence', implementation: 'Credence',
    issuers: $2,
    verifiers: [{id: '$base/verifier', endpoint: '$base/credentials/verify', supports: {vc: ['1.1', '2.0']},
      tags: ['vc2.0', 'vc-api', 'eddsa-rdfc-2022', 'eddsa-jcs-2022', 'BitstringStatusList']}],
    vpVerifiers: [{id: '$base/verifier', endpoint: '$base/presentations/verify',
      tags: ['vc2.0', 'vc-api', 'BitstringStatusList']}]
  }]
};
EOF
}

issue="$base/credentials/issue"
declare -A issuers=(
  [vc-data-model-2.0-test-suite]="[{id: '$profile', endpoint: '$issue', tags: ['vc2.0']}]"
  [vc-di-eddsa-test-suite]="[{id: '$did_key', endpoint: '$issue', supports: {vc: ['1.1', '2.0']}, tags: ['eddsa-rdfc-2022']},
    {id: '$did_key', endpoint: '$issue', supports: {vc: ['1.1', '2.0']}, options: {cryptosuite: 'eddsa-jcs-2022'}, tags: ['eddsa-jcs-2022']}]"
  [vc-bitstring-status-list-test-suite]="[{id: '$profile', endpoint: '$issue', tags: ['BitstringStatusList'],
    options: {credentialStatus: [{type: 'BitstringStatusListEntry', statusPurpose: 'revocation'}]}}]"
  [vc-api-issuer-test-suite]="[{id: '$profile', endpoint: '$issue', tags: ['vc-api']}]"
  [vc-api-verifier-test-suite]="[]"
)

summary=()
for name in vc-data-model-2.0-test-suite vc-di-eddsa-test-suite vc-bitstring-status-list-test-suite \
  vc-api-issuer-test-suite vc-api-verifier-test-suite; do
  [ -d "$suites/$name" ] || { summary+=("$name: no checkout in $suites, not run"); continue; }
  echo "== $name"
  prepare "$name"
  config "$name" "${issuers[$name]}"
  (cd "$work/$name" && npx mocha tests/ --reporter spec --timeout 15000) | tee "$work/$name.log" || true
  summary+=("$name: $(grep -E '^\s+[0-9]+ (passing|failing|pending)' "$work/$name.log" | xargs)")
done
echo
echo "== Summary"
printf '%s\n' "${summary[@]}"
