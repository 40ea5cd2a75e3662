import { cancelOutcome, Code, DEFAULT_POLL_POLICY, VERSION } from '../../src';
import { backoff, sleep } from '../../src/backoff';
import { checkTimeout, pollBackoff, pollPolicy } from '../../src/policy';
import { DEFAULT_RETRY_POLICY } from '../../src';
import { retryBackoff } from '../../src/retry';
import { rejectionOf } from '../helpers/transports';

describe('poll policy', () => {
  it('grows by the multiplier up to the cap, jittered within the bounds', () => {
    const policy = { ...DEFAULT_POLL_POLICY, jitter: 0 };
    expect([0, 1, 2, 3].map((a) => backoff(a, pollBackoff(policy)))).toEqual([250, 375, 562.5, 843.75]);
    expect(backoff(50, pollBackoff(policy))).toBe(5000);
    expect(backoff(0, pollBackoff(DEFAULT_POLL_POLICY), () => 0)).toBeCloseTo(200);
    expect(backoff(0, pollBackoff(DEFAULT_POLL_POLICY), () => 0.999999)).toBeCloseTo(300);
  });

  it('is the same backoff as retries, by their own fields', () => {
    const shape = retryBackoff({ ...DEFAULT_RETRY_POLICY, jitter: 0 });
    expect([0, 1, 2, 5, 9].map((n) => backoff(n, shape))).toEqual([500, 1000, 2000, 10_000, 10_000]);
  });

  it('refuses nonsense overrides', () => {
    expect(() => pollPolicy(DEFAULT_POLL_POLICY, { multiplier: 0.5 })).toThrow(/multiplier/);
    expect(() => pollPolicy(DEFAULT_POLL_POLICY, { jitter: 1 })).toThrow(/jitter/);
    expect(() => pollPolicy(DEFAULT_POLL_POLICY, { timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(pollPolicy(DEFAULT_POLL_POLICY, { timeoutMs: 5 }).timeoutMs).toBe(5);
    expect(() => checkTimeout('10')).toThrow(/positive number/);
  });

  it('sleep stops at once on abort', async () => {
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);
    controller.abort();
    expect((await rejectionOf(sleeping)).aborted).toBe(true);
  });
});

describe('cancelOutcome', () => {
  const name = 'projects/p/operations/o';
  it('classifies a final read, never calling a running operation cancelled', () => {
    expect(cancelOutcome({ name, done: false }).outcome).toBe('running');
    expect(cancelOutcome({ name, done: true, error: { code: Code.CANCELLED, message: '', details: [] } }).outcome).toBe(
      'cancelled',
    );
    expect(cancelOutcome({ name, done: true, error: { code: Code.INTERNAL, message: 'x', details: [] } }).outcome).toBe(
      'failed',
    );
    expect(cancelOutcome({ name, done: true }).outcome).toBe('completed');
  });
});

describe('VERSION', () => {
  it('is package.json version', () => {
    expect(VERSION).toBe(require('../../package.json').version);
  });
});
