/** Target adapter for the raw `ws` baseline (bench/baselines/raw-ws.ts). */
import WebSocket from 'ws';
import type { ClientDriver, Conn, TargetSetup } from '../types.js';
import { layoutClients } from './layout.js';

export const setup: TargetSetup = {
  async setup(_url, layout) {
    return layoutClients(
      layout,
      Array.from({ length: layout.convs }, (_, c) => `r${c}`),
    );
  },
};

export const driver: ClientDriver = {
  connect(url, client, h) {
    return new Promise<Conn>((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/?id=${client.idx}`, {
        perMessageDeflate: false,
      });
      let ready = false;
      const conn: Conn = {
        send(cid, text) {
          ws.send(JSON.stringify({ type: 'send', room: client.conv, cid, text }));
        },
        close() {
          ws.terminate();
        },
      };
      ws.on('open', () => ws.send(JSON.stringify({ type: 'join', room: client.conv })));
      ws.on('message', (data) => {
        const f = JSON.parse(data.toString()) as { type: string; text?: string };
        if (f.type === 'msg') h.onText(f.text ?? '');
        else if (f.type === 'joined' && !ready) {
          ready = true;
          resolve(conn);
        }
      });
      ws.on('error', (e) => {
        if (!ready) reject(e);
      });
      ws.on('close', () => {
        if (ready) h.onClose();
        else reject(new Error('closed before joined'));
      });
    });
  },
};
