/**
 * Baseline 2: a Socket.IO rooms server, written the way a typical Node developer would: default
 * options, `socket.join(room)`, `io.to(room).emit(...)` (the sender included; the load generator
 * skips its own echo). No persistence, no auth.
 *
 * Protocol, client id in the handshake query `?id=<client>`:
 *   emit('join', room, ack)             ack({ok: true})
 *   emit('send', {room, cid, text})     => room: 'msg' {room, sender, cid, text, ts}
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { exitOnSignals, serverArgs } from './args.js';

const { port, host } = serverArgs();
const http = createServer();
const io = new Server(http);

io.on('connection', (socket) => {
  const id = String(socket.handshake.query.id ?? '');
  socket.on('join', (room: unknown, ack: unknown) => {
    if (typeof room !== 'string') return;
    socket.join(room);
    if (typeof ack === 'function') ack({ ok: true });
  });
  socket.on('send', (msg: { room?: unknown; cid?: unknown; text?: unknown }) => {
    if (typeof msg?.room !== 'string' || typeof msg.text !== 'string') return;
    if (!socket.rooms.has(msg.room)) return;
    io.to(msg.room).emit('msg', {
      room: msg.room,
      sender: id,
      cid: msg.cid,
      text: msg.text,
      ts: Date.now(),
    });
  });
});

http.listen(port, host, () => {
  const addr = http.address();
  console.log(`listening ${typeof addr === 'object' && addr ? addr.port : port}`);
});

exitOnSignals(() => {
  io.close();
});
