/**
 * Whether an Accept header asks for server-sent events rather than JSON. Media types are compared without regard
 * to case, a `q=0` range is refused (RFC 9110), and JSON weighted above the event stream keeps JSON; a header that
 * weighs both alike (`application/json, text/event-stream`) streams, as one naming the event stream alone does.
 */
export function acceptsEventStream(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  let stream = 0;
  let json = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim());
    const q = qualityOf(params);
    const media = type.toLowerCase();
    if (media === 'text/event-stream') stream = Math.max(stream, q);
    else if (media === 'application/json') json = Math.max(json, q);
  }
  return stream > 0 && stream >= json;
}

/** A range's `q` parameter; one that is not a number from 0 to 1 is read as the default, 1. */
function qualityOf(params: string[]): number {
  for (const p of params) {
    const m = /^q\s*=\s*([0-9.]+)$/i.exec(p);
    if (!m) continue;
    const q = Number(m[1]);
    return q >= 0 && q <= 1 ? q : 1;
  }
  return 1;
}
