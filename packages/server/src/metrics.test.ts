import { describe, expect, it } from 'vitest';
import { Counter, Metrics } from './metrics.js';

describe('Counter', () => {
  it('keys labels in name order, escapes quotes, backslashes and newlines', () => {
    const c = new Counter('parley_x_total', 'X.');
    c.inc(1, { type: 'send' });
    c.inc(2, { type: 'send' });
    c.inc(1, { b: '2', a: '1' });
    c.inc(1, { a: '1', b: '2' });
    c.inc(1, { code: 'say "hi"\\\n' });
    c.inc();
    expect(c.get({ type: 'send' })).toBe(3);
    expect(c.get({ b: '2', a: '1' })).toBe(2);
    expect(c.render().split('\n')).toEqual([
      '# HELP parley_x_total X.',
      '# TYPE parley_x_total counter',
      'parley_x_total{type="send"} 3',
      'parley_x_total{a="1",b="2"} 2',
      'parley_x_total{code="say \\"hi\\"\\\\\\n"} 1',
      'parley_x_total 1',
    ]);
  });
});

describe('Counter.collect', () => {
  it('renders and reads the values a function gives at render time', () => {
    const c = new Counter('parley_y_total', 'Y.');
    let n = 1;
    c.collect(() => [
      [{ where: 'inline' }, n],
      [{ where: 'thread' }, 2 * n],
    ]);
    n = 5;
    expect(c.get({ where: 'thread' })).toBe(10);
    expect(c.get({ where: 'elsewhere' })).toBe(0);
    expect(c.render().split('\n').slice(2)).toEqual([
      'parley_y_total{where="inline"} 5',
      'parley_y_total{where="thread"} 10',
    ]);
    c.collect(() => []);
    expect(c.render().split('\n')[2]).toBe('parley_y_total 0');
  });
});

describe('Metrics', () => {
  const utilization = (text: string) =>
    Number(/^parley_event_loop_utilization (\S+)$/m.exec(text)?.[1] ?? Number.NaN);

  it('reports the event loop busy since the previous scrape, idle after a wait', async () => {
    const m = new Metrics();
    m.render();
    const until = performance.now() + 60;
    while (performance.now() < until) {} // the loop never waits
    expect(utilization(m.render())).toBeGreaterThan(0.5);
    await new Promise((r) => setTimeout(r, 120)); // the loop waits in the poll phase
    expect(utilization(m.render())).toBeLessThan(0.5);
  });
});
