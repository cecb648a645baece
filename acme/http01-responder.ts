/**
 * http-01 (RFC 8555 §8.3): the CA fetches `http://<name>:80/.well-known/acme-challenge/<token>` and expects
 * the key authorization. A plain Node http server answers exactly those paths while an order runs.
 */
import * as http from 'http';
import { ChallengeResponder, ResponderListenProps } from './challenge-responder';
import { listen } from './listen';

const PATH_PREFIX = '/.well-known/acme-challenge/';

export async function startHttp01Responder(props: ResponderListenProps): Promise<ChallengeResponder> {
  const keyAuthorizations = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const token = req.url?.startsWith(PATH_PREFIX) ? req.url.slice(PATH_PREFIX.length) : undefined;
    const body = req.method === 'GET' && token !== undefined ? keyAuthorizations.get(token) : undefined;
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  const listening = await listen(server, props);
  return {
    type: 'http-01',
    port: listening.port,
    async publish(_authz, challenge, keyAuthorization) { keyAuthorizations.set(challenge.token, keyAuthorization); },
    async withdraw(_authz, challenge) { keyAuthorizations.delete(challenge.token); },
    close: () => listening.close(),
  };
}
