/**
 * A URL without its password, for logs, /readyz and configuration errors: the userinfo password (parsed as clients
 * parse it, so a password holding an unencoded "@" is hidden whole) and a `password`, `secret` or `token` query
 * parameter (ioredis accepts `?password=`); a string that is no URL is hidden up to its last "@".
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL the client could use either: hide everything before the last "@".
    return url.replace(/\/\/.*@/, '//***@');
  }
  if (parsed.password) parsed.password = '***';
  for (const key of [...parsed.searchParams.keys()]) if (/pass|secret|token/i.test(key)) parsed.searchParams.set(key, '***');
  return parsed.toString();
}
