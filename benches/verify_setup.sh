#!/usr/bin/env bash
# Prepares the request bodies of the verification benchmark (docs/BENCHMARKS.md) against a
# running `credence serve --demo`: issues EMC "AMS Time Management" to one learner through the
# API (pre-assessment, post-assessment with evidence, workplace project approved through its
# sign-off link), then writes, in the current folder:
#   by_id.json       {"id": "<credential id>"}
#   by_doc.json      {"credential": <the signed credential>}
#   foreign_doc.json {"credential": <the same content signed by the Digital Bazaar stack with a
#                    did:key issuer>}: not stored here, so every request runs the full verification
# Needs curl, python3, node and `npm ci` done in tests/interop.
# Usage: benches/verify_setup.sh BASE_URL EMC_ISSUER_ADMIN_KEY
set -euo pipefail
base="$1"; key="$2"
di="$(cd "$(dirname "$0")/.." && pwd)/tests/interop/di.mjs"
post() { curl -sf -H "Authorization: Bearer $key" -H 'content-type: application/json' -d "$2" "$base$1"; }
json_get() { python3 -c "import sys, json; d = json.load(sys.stdin); print($1)"; }

learner='"learner":{"email":"bench.learner@example.com","name":"Bench Learner"}'
a='"achievement":"emc-ams-time-management"'
digest=$(printf 'report' | sha256sum | cut -c1-64)
post /api/v1/organizations/emc/results "{$a,\"component\":\"pre-assessment\",\"completed\":true,$learner}" >/dev/null
post /api/v1/organizations/emc/results "{$a,\"component\":\"post-assessment\",\"score\":84,\"attempt\":1,\"evidence\":[{\"name\":\"Post-assessment report\",\"url\":\"https://lms.example.ca/r/84.pdf\",\"sha256\":\"$digest\",\"genre\":\"Assessment\"}],$learner}" >/dev/null
link=$(post /api/v1/organizations/emc/results "{$a,\"component\":\"workplace-project\",\"submittedForSignoff\":true,\"reviewer\":{\"name\":\"Jordan\",\"email\":\"jordan@example.org\"},$learner}" |
  json_get '[s["link"] for s in d["signoffs"] if s.get("link")][0]')
id=$(curl -sf -H 'content-type: application/json' -d '{"approve":true,"comment":"Validated on site."}' "$link" >/dev/null &&
  curl -sf -H "Authorization: Bearer $key" "$base/api/v1/organizations/emc/credentials?limit=1" | json_get 'd[0]["id"]')
curl -sf -H 'Accept: application/ld+json' "$base/credentials/$id" > credential.json

python3 -c '
import json, sys
c = json.load(open("credential.json"))
json.dump({"id": sys.argv[1]}, open("by_id.json", "w"))
json.dump({"credential": c}, open("by_doc.json", "w"))
c.pop("proof")
json.dump(c, open("unsigned.json", "w"))
' "$id"

# Sign once to learn the seed's did:key, make it the issuer, sign again.
seed=0707070707070707070707070707070707070707070707070707070707070707
did=$(node "$di" sign "$seed" unsigned.json | json_get 'd["proof"]["verificationMethod"].split("#")[0]')
python3 -c '
import json, sys
c = json.load(open("unsigned.json"))
c["issuer"] = {"id": sys.argv[1], "type": ["Profile"], "name": c["issuer"]["name"]}
c["credentialSubject"]["achievement"].pop("creator", None)
json.dump(c, open("unsigned.json", "w"))
' "$did"
node "$di" sign "$seed" unsigned.json | python3 -c 'import sys, json; json.dump({"credential": json.load(sys.stdin)}, open("foreign_doc.json", "w"))'
echo "wrote by_id.json, by_doc.json, foreign_doc.json (credential $id; foreign issuer $did)"
