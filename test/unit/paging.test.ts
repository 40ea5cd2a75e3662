/** The listing guards of src/paging.ts, on pages a test makes (a pure generator over `fetch`). */
import { Code } from '../../src';
import { MAX_EMPTY_PAGES, pages, type Page } from '../../src/paging';

/** Walks the pages `answer(token, n)` gives; the pages taken, the tokens asked for, the error. */
async function walk(answer: (token: string, n: number) => Page) {
  const asked: string[] = [];
  const taken: Page[] = [];
  try {
    for await (const page of pages('projects/p', (token) => {
      asked.push(token);
      return Promise.resolve(answer(token, asked.length));
    })) {
      taken.push(page);
    }
  } catch (error) {
    return { asked, taken, error: error as Error & { code: number } };
  }
  return { asked, taken, error: undefined };
}

const ops = (...names: string[]) => names.map((name) => ({ name }));

describe('pages', () => {
  it('walks to the page without a next token, asking for each once', async () => {
    const result = await walk((token) =>
      token === '' ? { operations: ops('a'), nextPageToken: 't1' } : { operations: ops('b'), nextPageToken: '' },
    );
    expect(result.asked).toEqual(['', 't1']);
    expect(result.error).toBeUndefined();
  });

  it('two tokens alternating: INTERNAL once one comes back, before it is asked for again', async () => {
    const result = await walk((_token, n) => ({ operations: ops(`op-${n}`), nextPageToken: n % 2 ? 'A' : 'B' }));
    expect(result.asked).toEqual(['', 'A', 'B']);
    expect(result.taken).toHaveLength(3);
    expect(result.error?.code).toBe(Code.INTERNAL);
  });

  it(`empty pages: ${MAX_EMPTY_PAGES} in a row end it; fewer, with operations between, do not`, async () => {
    const endless = await walk((_token, n) => ({ operations: [], nextPageToken: `t${n}` }));
    expect(endless.asked).toHaveLength(MAX_EMPTY_PAGES);
    expect(endless.error?.message).toMatch(/empty pages in a row/);
    // An operation every 50 pages resets the run: 300 pages, then the last.
    const sparse = await walk((_token, n) => ({
      operations: n % 50 === 0 ? ops(`op-${n}`) : [],
      nextPageToken: n < 300 ? `t${n}` : '',
    }));
    expect(sparse.asked).toHaveLength(300);
    expect(sparse.error).toBeUndefined();
  });
});
