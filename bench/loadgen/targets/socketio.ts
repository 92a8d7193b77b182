/** Target adapter for the Socket.IO baseline (bench/baselines/socketio.ts). */
import { io } from 'socket.io-client';
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
      // What a typical client does, minus long-polling (websocket only, as most deployments).
      const socket = io(url, {
        transports: ['websocket'],
        query: { id: String(client.idx) },
        reconnection: false,
        forceNew: true,
        timeout: 20_000,
      });
      let ready = false;
      const conn: Conn = {
        send(cid, text) {
          socket.emit('send', { room: client.conv, cid, text });
        },
        close() {
          socket.disconnect();
        },
      };
      socket.on('msg', (m: { text?: string }) => h.onText(m.text ?? ''));
      socket.on('connect', () => {
        socket.emit('join', client.conv, () => {
          if (ready) return;
          ready = true;
          resolve(conn);
        });
      });
      socket.on('connect_error', (e) => {
        if (!ready) reject(e);
      });
      socket.on('disconnect', (reason) => {
        if (ready) {
          if (reason !== 'io client disconnect') h.onClose();
        } else reject(new Error(`disconnected before joined: ${reason}`));
      });
    });
  },
};
