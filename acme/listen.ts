/** Listening and closing for the challenge responders, which live only as long as one order. */
import { AddressInfo, Server, Socket } from 'net';
import { ResponderListenProps } from './challenge-responder';

/** A started server: its bound port and a close that also drops open (keep-alive) connections. */
export interface Listening {
  readonly port: number;
  close(): Promise<void>;
}

/** Listens (port 0 picks a free port) and resolves once bound, or rejects with the reason it cannot. */
export function listen(server: Server, props: ResponderListenProps): Promise<Listening> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(new Error(`cannot listen on ${props.host ?? '*'}:${props.port} for ACME challenges: ${e.message}`));
    server.once('error', onError);
    server.listen(props.port, props.host, () => {
      server.off('error', onError);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          for (const s of sockets) s.destroy();
        }),
      });
    });
  });
}
