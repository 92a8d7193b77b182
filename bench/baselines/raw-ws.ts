/**
 * Baseline 1: a raw `ws` room broadcast, no persistence, no auth: the practical ceiling of one
 * Node process. Each message is serialized once into one Buffer and the same bytes are sent to
 * every member of the room (the sender included; the load generator skips its own echo).
 *
 * Protocol (JSON text frames), client id in the URL: `ws://host:port/?id=<client>`
 *   -> {type:'join', room}              <- {type:'joined', room}
 *   -> {type:'send', room, cid, text}   => every member: {type:'msg', room, sender, cid, text, ts}
 */
import { type WebSocket, WebSocketServer } from 'ws';
import { exitOnSignals, serverArgs } from './args.js';

interface Client {
  id: string;
  rooms: Set<string>;
}

const { port, host } = serverArgs();
const rooms = new Map<string, Set<WebSocket>>();
const clients = new WeakMap<WebSocket, Client>();

const wss = new WebSocketServer({ port, host, maxPayload: 64 * 1024, perMessageDeflate: false });

wss.on('connection', (ws, req) => {
  const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '';
  const client: Client = { id, rooms: new Set() };
  clients.set(ws, client);
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let f: { type?: unknown; room?: unknown; cid?: unknown; text?: unknown };
    try {
      f = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (typeof f.room !== 'string') return;
    if (f.type === 'join') {
      let members = rooms.get(f.room);
      if (!members) {
        members = new Set();
        rooms.set(f.room, members);
      }
      members.add(ws);
      client.rooms.add(f.room);
      ws.send(JSON.stringify({ type: 'joined', room: f.room }));
    } else if (f.type === 'send' && typeof f.text === 'string' && client.rooms.has(f.room)) {
      const members = rooms.get(f.room);
      if (!members) return;
      const out = Buffer.from(
        JSON.stringify({
          type: 'msg',
          room: f.room,
          sender: client.id,
          cid: f.cid,
          text: f.text,
          ts: Date.now(),
        }),
      );
      for (const m of members) m.send(out, { binary: false });
    }
  });
  ws.on('close', () => {
    for (const r of client.rooms) {
      const members = rooms.get(r);
      members?.delete(ws);
      if (members?.size === 0) rooms.delete(r);
    }
  });
  ws.on('error', () => {});
});

wss.on('listening', () => {
  const addr = wss.address();
  console.log(`listening ${typeof addr === 'object' && addr ? addr.port : port}`);
});

exitOnSignals(() => wss.close());
