// A TLS front for a local `credence serve`, for running the W3C test suites against it: the
// suites call https endpoints and read status lists over https, and their VC API issuer
// calls carry no credentials, so the proxy adds the organization's API key to each request.
//   node tls-proxy.mjs LISTEN_PORT UPSTREAM_PORT CERT_DIR
// CERT_DIR holds key.pem and cert.pem (self-signed; run the suites with
// NODE_TLS_REJECT_UNAUTHORIZED=0). The key comes from CREDENCE_W3C_API_KEY.
import https from 'node:https';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const [listen, upstream, certDir] = process.argv.slice(2);
const apiKey = process.env.CREDENCE_W3C_API_KEY;
if(!listen || !upstream || !certDir || !apiKey) {
  console.error('usage: CREDENCE_W3C_API_KEY=... node tls-proxy.mjs LISTEN_PORT UPSTREAM_PORT CERT_DIR');
  process.exit(2);
}
const tls = {
  key: fs.readFileSync(path.join(certDir, 'key.pem')),
  cert: fs.readFileSync(path.join(certDir, 'cert.pem'))
};
https.createServer(tls, (request, response) => {
  const headers = {...request.headers, authorization: `Bearer ${apiKey}`, host: `127.0.0.1:${upstream}`};
  const forward = http.request(
    {host: '127.0.0.1', port: Number(upstream), path: request.url, method: request.method, headers},
    answer => {
      response.writeHead(answer.statusCode, answer.headers);
      answer.pipe(response);
    });
  forward.on('error', e => {
    response.writeHead(502);
    response.end(String(e));
  });
  request.pipe(forward);
}).listen(Number(listen), '127.0.0.1');
