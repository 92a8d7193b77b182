import { describe, expect, it } from 'vitest';
import { roundOrder } from './scenarios.js';

describe('roundOrder', () => {
  it('turns the servers by one place per round, so each runs first in turn', () => {
    const servers = ['parley', 'raw-ws', 'socketio'];
    expect(roundOrder(servers, 1)).toEqual(['parley', 'raw-ws', 'socketio']);
    expect(roundOrder(servers, 2)).toEqual(['raw-ws', 'socketio', 'parley']);
    expect(roundOrder(servers, 3)).toEqual(['socketio', 'parley', 'raw-ws']);
    expect(roundOrder(servers, 4)).toEqual(['parley', 'raw-ws', 'socketio']);
  });

  it('leaves the list it is given as it was', () => {
    const servers = ['parley', 'raw-ws'];
    roundOrder(servers, 2);
    expect(servers).toEqual(['parley', 'raw-ws']);
  });

  it('handles one server and none', () => {
    expect(roundOrder(['parley'], 5)).toEqual(['parley']);
    expect(roundOrder([], 3)).toEqual([]);
  });
});
