/**
 * Walking a listing page by page, for `listOperations` and `cancelMatching` alike, with the
 * guards a server that pages forever needs. Each ends the listing with INTERNAL, saying why:
 * a page token given twice (a cycle, however long: stopped before the page it would fetch
 * again); a page listing exactly the operations of an earlier one (a server that ignores the
 * token: stopped before that page is handled, so no operation is handled twice); a run of
 * {@link MAX_EMPTY_PAGES} pages in a row with no operation on them.
 */
import { createHash } from 'node:crypto';
import { Code, OperationsError } from './errors';

/**
 * The most pages in a row with no operation and a next page token before a listing is given
 * up: servers may return an empty page (AIP-158 allows it), but not forever.
 */
export const MAX_EMPTY_PAGES = 100;

/** What a listing's page has: its operations and the next page's token ('' on the last). */
export interface Page {
  readonly operations: readonly { readonly name: string }[];
  readonly nextPageToken: string;
}

/**
 * The pages under `parent`, first to last, each fetched by `fetch(pageToken)` only when the
 * previous one has been consumed. Throws INTERNAL as the module says; tokens and pages are
 * remembered by digest (32 bytes each, whatever a server sends).
 */
export async function* pages<P extends Page>(
  parent: string,
  fetch: (pageToken: string) => Promise<P>,
): AsyncGenerator<P, void, undefined> {
  const seen = new Set<string>();
  const listed = new Set<string>();
  let empty = 0;
  let pageToken = '';
  for (let count = 1; ; count++) {
    const page = await fetch(pageToken);
    if (page.operations.length > 0) {
      const content = digest(page.operations.map((operation) => operation.name).join('\n'));
      if (listed.has(content)) {
        throw new OperationsError(
          Code.INTERNAL,
          `ListOperations under ${parent} gave page ${count} with the same operations as an earlier page: stopped listing, so that no operation is handled twice`,
        );
      }
      listed.add(content);
    }
    yield page;
    pageToken = page.nextPageToken;
    if (pageToken === '') return;
    empty = page.operations.length === 0 ? empty + 1 : 0;
    if (empty >= MAX_EMPTY_PAGES) {
      throw new OperationsError(
        Code.INTERNAL,
        `ListOperations under ${parent} gave ${MAX_EMPTY_PAGES} empty pages in a row, each with a next page: stopped listing`,
      );
    }
    const token = digest(pageToken);
    if (seen.has(token)) {
      throw new OperationsError(
        Code.INTERNAL,
        `ListOperations under ${parent} gave a page token it had given before (after page ${count}): stopped listing, so that no operation is handled twice`,
      );
    }
    seen.add(token);
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}
