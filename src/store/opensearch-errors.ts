import { errors } from '@opensearch-project/opensearch';
import { RagError } from '../core/errors.js';

/** The error type OpenSearch names in a failed response ("index_not_found_exception"), if any. */
export function openSearchErrorType(err: unknown): string | undefined {
  if (!(err instanceof errors.ResponseError)) return undefined;
  const body: unknown = err.body;
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error: unknown = body.error;
  return typeof error === 'object' && error !== null && 'type' in error && typeof error.type === 'string' ? error.type : undefined;
}

/**
 * A client failure as a coded error: the cluster unreachable, timing out, overloaded (429) or failing (5xx) is
 * UNAVAILABLE (503 with the reason); a rejected request is INTERNAL (our query or mapping is wrong). `doing`
 * says what was attempted, e.g. "search rag-chunks".
 */
export function toRagError(err: unknown, doing: string): RagError {
  if (err instanceof RagError) return err;
  const cause = { cause: err };
  if (err instanceof errors.RequestAbortedError) return new RagError('ABORTED', `request aborted during OpenSearch ${doing}`, undefined, cause);
  if (err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError) {
    // OpenSSL's words for a TLS handshake answered in plain HTTP: the node URL says https://, the node speaks http.
    const hint = /wrong version number|EPROTO/.test(err.message) ? ' (a TLS error: is opensearch.nodes https:// for a node that serves plain http://?)' : '';
    return new RagError('UNAVAILABLE', `OpenSearch unreachable (${doing}): ${err.message}${hint}`, { backend: 'opensearch' }, cause);
  }
  if (err instanceof errors.TimeoutError) {
    return new RagError('UNAVAILABLE', `OpenSearch timed out (${doing}): ${err.message}`, { backend: 'opensearch' }, cause);
  }
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode;
    if (openSearchErrorType(err) === 'index_not_found_exception') return collectionMissing(doing, err.message, cause);
    if (status === 429 || status >= 500) {
      return new RagError('UNAVAILABLE', `OpenSearch answered ${status} (${doing}): ${err.message}`, { backend: 'opensearch', status }, cause);
    }
    return new RagError('INTERNAL', `OpenSearch rejected ${doing} (${status}): ${err.message}`, { backend: 'opensearch', status }, cause);
  }
  return new RagError('INTERNAL', `OpenSearch ${doing} failed: ${err instanceof Error ? err.message : String(err)}`, undefined, cause);
}

/** The collection's index is gone (deleted, a node restarted without its data). */
export function collectionMissing(doing: string, reason: string, cause?: { cause: unknown }): RagError {
  return new RagError('UNAVAILABLE', `OpenSearch ${doing}: the collection does not exist (${reason}); a running server sets it up again and fills it from the store by itself (try again shortly), or run \`rag opensearch rebuild\``, { backend: 'opensearch' }, cause);
}
