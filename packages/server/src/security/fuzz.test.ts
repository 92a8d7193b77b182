/**
 * Protocol fuzzing: 100,000+ generated frames (valid shapes with wrong values, wrong types,
 * huge strings, deep nesting, invalid UTF-8, binary frames, random JSON and text) sent to a live
 * server over several sockets. Every frame the server sends back must be a valid server frame
 * (errors with a registered code); every close must use a documented code; the process must
 * not crash, its heap must stay bounded, and a well-behaved client connected throughout must
 * get every one of its messages.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  type AckFrame,
  CLIENT_FRAME_TYPES,
  type ConversationView,
  ERRORS,
  isErrorCode,
  type Session,
} from '@parley/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  api,
  RawClient,
  register,
  startTestServer,
  type TestServer,
  uname,
} from '../test/harness.js';

const TOTAL = Number(process.env.PARLEY_FUZZ_FRAMES ?? 100_000);
const WORKERS = 8;
const BATCH = 50;

const SERVER_TYPES = new Set([
  'ready',
  'ack',
  'ok',
  'event',
  'sync',
  'typing',
  'presence',
  'pong',
  'error',
  'reconnect',
]);
/** Close codes a client may see: the registry's, and ws's protocol-level ones. */
const CLOSES = new Set<number>([
  1000,
  1002,
  1007,
  1009,
  ...Object.values(ERRORS).flatMap((e) => ('close' in e ? [e.close as number] : [])),
]);

let srv: TestServer;
let fuzzer: Session;
let fuzzConv: string;
beforeAll(async () => {
  srv = await startTestServer({
    limitFramesPerConn: 0,
    limitMsgsPerAccount: 0,
    limitConnRatePerIp: 0,
    limitConnPerIp: 0,
    limitConnPerAccount: 0,
    limitWsMaxErrors: 500,
  });
  fuzzer = await register(srv.url, uname('fz'));
  const peer = await register(srv.url, uname('fzp'));
  fuzzConv = (
    await api<ConversationView>(srv.url, 'POST', '/v1/conversations', fuzzer.access_token, {
      kind: 'direct',
      user: peer.user.id,
    })
  ).body.id;
});
afterAll(async () => {
  await srv.close();
});

type Out = string | { bytes: Uint8Array; binary: boolean };

function arbitraries(conv: string): fc.Arbitrary<Out> {
  const str = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(conv, 'c_nope', '', ' ', '\u0000', '\u202e', '<script>', 'm_x'),
  );
  const val = fc.oneof(
    str,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.anything({ maxDepth: 2 }),
  );
  const num = fc.oneof(
    fc.integer(),
    fc.double(),
    fc.constantFrom(-1, 0, 2 ** 53, Number.MAX_SAFE_INTEGER),
  );
  const rid = fc.option(fc.oneof(fc.string({ maxLength: 70 }), fc.integer()), { nil: undefined });
  const shapes = fc.oneof(
    fc.record({
      type: fc.constant('send'),
      conv: str,
      cid: str,
      text: str,
      rid,
      reply_to: fc.option(str),
      thread_root: fc.option(str),
    }),
    fc.record({ type: fc.constant('edit'), conv: str, id: str, text: str, rid }),
    fc.record({ type: fc.constant('delete'), conv: str, id: str, rid }),
    fc.record({
      type: fc.constant('react'),
      conv: str,
      id: str,
      emoji: str,
      on: fc.boolean(),
      rid,
    }),
    fc.record({ type: fc.constant('read'), conv: str, seq: num, rid }),
    fc.record({ type: fc.constant('typing'), conv: str, on: fc.boolean(), rid }),
    fc.record({ type: fc.constant('presence'), status: str, rid }),
    fc.record({ type: fc.constant('sync'), token: fc.option(str), limit: fc.option(num), rid }),
    fc.record({ type: fc.constant('ping'), rid }),
    fc.record({ type: fc.constant('auth'), token: str, rid }),
  );
  const wrongTypes = fc
    .tuple(
      fc.constantFrom(...CLIENT_FRAME_TYPES, 'nope', ''),
      fc.dictionary(
        fc.constantFrom(
          'conv',
          'cid',
          'text',
          'id',
          'seq',
          'emoji',
          'on',
          'status',
          'token',
          'limit',
          'rid',
          '__proto__',
        ),
        val,
        { maxKeys: 6 },
      ),
    )
    .map(([type, rest]) => ({ ...rest, type }));
  const json = fc.oneof(shapes, wrongTypes).map((o) => JSON.stringify(o));
  const deep = fc
    .tuple(fc.integer({ min: 10, max: 12_000 }), fc.constantFrom('[', '{"a":'))
    .map(([n, open]) => `{"type":"ping","x":${open.repeat(n)}1`);
  const huge = fc
    .tuple(fc.integer({ min: 3_990, max: 70_000 }), fc.constantFrom('a', '가', '😀', '\u202e'))
    .map(([n, ch]) => JSON.stringify({ type: 'send', conv, cid: `h${n}`, text: ch.repeat(n) }));
  const invalidUtf8 = fc
    .uint8Array({ minLength: 0, maxLength: 40 })
    .map((b) => ({ bytes: Uint8Array.from([...b, 0xff, 0xc3]), binary: false }));
  const binary = fc
    .uint8Array({ minLength: 0, maxLength: 200 })
    .map((bytes) => ({ bytes, binary: true }));
  return fc.oneof(
    // frames that close the socket (1009 too large, 1007 invalid UTF-8) are rare, so that most
    // batches are read to the end
    { arbitrary: json, weight: 700 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), weight: 80 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 100 }), weight: 80 },
    { arbitrary: deep, weight: 30 },
    { arbitrary: binary, weight: 40 },
    { arbitrary: huge, weight: 2 },
    { arbitrary: invalidUtf8, weight: 1 },
  );
}

interface Stats {
  sent: number;
  /** Frames the server has read for sure: those before a batch's answered ping. */
  confirmed: number;
  received: number;
  closes: Map<number, number>;
  bad: string[];
}

function check(stats: Stats, data: Buffer, isBinary: boolean): void {
  stats.received++;
  try {
    if (isBinary) throw new Error('binary frame from server');
    const f = JSON.parse(data.toString('utf8')) as { type?: string; code?: string };
    if (!f.type || !SERVER_TYPES.has(f.type)) throw new Error(`unknown type ${f.type}`);
    if (f.type === 'error' && !(typeof f.code === 'string' && isErrorCode(f.code))) {
      throw new Error(`unregistered code ${f.code}`);
    }
  } catch (e) {
    if (stats.bad.length < 10)
      stats.bad.push(`${(e as Error).message}: ${data.toString('utf8', 0, 200)}`);
  }
}

/** One socket's life: authenticate (or not), send batches, each closed by a ping; returns at close. */
function runSocket(
  frames: Out[],
  authed: boolean,
  stats: Stats,
): Promise<{ sent: number; confirmed: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(srv.wsUrl);
    let i = 0;
    let confirmed = 0;
    let batchEnd = 0;
    const sendBatch = () => {
      stats.confirmed += batchEnd - confirmed;
      confirmed = batchEnd;
      const end = Math.min(i + BATCH, frames.length);
      for (; i < end && ws.readyState === ws.OPEN; i++) {
        const f = frames[i]!;
        if (typeof f === 'string') ws.send(f);
        else ws.send(f.bytes, { binary: f.binary });
        stats.sent++;
      }
      if (ws.readyState !== ws.OPEN) return;
      batchEnd = i;
      ws.send('{"type":"ping","rid":"__batch"}');
    };
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      check(stats, data, isBinary);
      const text = isBinary ? '' : data.toString('utf8', 0, 64);
      if (text.startsWith('{"type":"ready"') || text.includes('"rid":"__batch"')) {
        if (text.includes('"rid":"__batch"') && !text.startsWith('{"type":"pong"')) {
          return; // an answer to a fuzz frame that copied our rid: wait for the pong
        }
        if (i >= frames.length && text.startsWith('{"type":"pong"')) {
          stats.confirmed += i - confirmed;
          confirmed = i;
          ws.close(1000);
          return;
        }
        sendBatch();
      }
    });
    ws.on('open', () => {
      if (authed) ws.send(JSON.stringify({ type: 'auth', token: fuzzer.access_token }));
      else sendBatch();
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      stats.closes.set(code, (stats.closes.get(code) ?? 0) + 1);
      resolve({ sent: i, confirmed });
    });
  });
}

/** Sends generated frames over successive sockets until `quota` of them were surely read. */
async function worker(
  arb: fc.Arbitrary<Out>,
  seed: number,
  quota: number,
  authed: boolean,
  stats: Stats,
) {
  let done = 0;
  let round = 0;
  while (done < quota) {
    const frames = fc.sample(arb, { numRuns: 2_000, seed: seed * 1000 + round++ });
    let start = 0;
    while (start < frames.length && done < quota) {
      const r = await runSocket(frames.slice(start, start + (quota - done)), authed, stats);
      start += Math.max(1, r.sent);
      done += authed ? r.confirmed : Math.max(1, r.sent);
    }
  }
}

const gc = (): void => {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
};

describe('protocol fuzzing', () => {
  it(`answers ${TOTAL} generated frames validly, stays up and bounded, and a good client loses nothing`, {
    timeout: 120_000,
  }, async () => {
    // the well-behaved pair, connected throughout
    const g1 = await register(srv.url, uname('good'));
    const g2 = await register(srv.url, uname('good'));
    const conv = (
      await api<ConversationView>(srv.url, 'POST', '/v1/conversations', g1.access_token, {
        kind: 'direct',
        user: g2.user.id,
      })
    ).body.id;
    const c1 = await RawClient.connect(srv.wsUrl, g1.access_token);
    const c2 = await RawClient.connect(srv.wsUrl, g2.access_token);
    const seen = new Set<string>();
    c2.ws.on('message', (d: Buffer) => {
      const f = JSON.parse(d.toString()) as { type: string; ev?: { kind: string; id?: string } };
      if (f.type === 'event' && f.ev?.kind === 'message' && f.ev.id) seen.add(f.ev.id);
    });
    c2.frames.length = 0;
    let fuzzing = true;
    const acked: string[] = [];
    const good = (async () => {
      for (let n = 0; fuzzing; n++) {
        const ack = (await c1.request(
          { type: 'send', conv, cid: `g${n}`, text: `good ${n}` },
          10_000,
        )) as AckFrame;
        expect(ack.type).toBe('ack');
        acked.push(ack.id);
        c1.frames.length = 0;
        c2.frames.length = 0;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    const t0 = Date.now();
    const stats: Stats = { sent: 0, confirmed: 0, received: 0, closes: new Map(), bad: [] };
    const arb = arbitraries(fuzzConv);
    // Two halves: the heap after the first (warmed up) and after the second must be close —
    // growth that scales with the frames sent is a leak.
    const half = async (h: number) => {
      const quota = Math.ceil(TOTAL / 2 / (WORKERS - 1));
      await Promise.all(
        Array.from({ length: WORKERS }, (_, w) =>
          worker(arb, h * 100 + w + 1, w === 0 ? Math.ceil(quota / 10) : quota, w !== 0, stats),
        ),
      );
      gc();
      return process.memoryUsage().heapUsed;
    };
    gc();
    const heapStart = process.memoryUsage().heapUsed;
    const heapBefore = await half(1);
    const heapAfter = await half(2);
    const ms = Date.now() - t0;
    fuzzing = false;
    await good;
    console.log(
      `fuzz: ${stats.sent} frames sent (${stats.confirmed} surely read) in ${ms} ms, ${stats.received} answers, closes ${JSON.stringify([...stats.closes])}, heap ${(heapStart / 1e6).toFixed(1)} / ${(heapBefore / 1e6).toFixed(1)} / ${(heapAfter / 1e6).toFixed(1)} MB, good client ${acked.length} messages`,
    );

    expect(stats.bad).toEqual([]);
    expect(stats.confirmed).toBeGreaterThanOrEqual(TOTAL * 0.95);
    for (const code of stats.closes.keys()) expect(CLOSES, `close ${code}`).toContain(code);
    expect(heapAfter - heapBefore).toBeLessThan(32 * 1024 * 1024);
    expect(heapAfter - heapStart).toBeLessThan(256 * 1024 * 1024);
    // still serving, and the good client lost nothing
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    expect(acked.length).toBeGreaterThan(10);
    await new Promise((r) => setTimeout(r, 200));
    expect(acked.filter((id) => !seen.has(id))).toEqual([]);
    c1.close();
    c2.close();
  });
});
