import type { FastifyRequest } from 'fastify';

/**
 * The route a request matched ("/v1/documents/:id"), or when none did its decoded path: what access rules (API
 * keys, rate limits) decide on. Never the raw URL: the router decodes the path before matching, so "/%761/query"
 * reaches the route "/v1/query" although its raw text does not start with "/v1/".
 */
export function requestRoute(request: FastifyRequest): string {
  const matched = request.routeOptions.url;
  if (matched !== undefined) return matched;
  const path = request.url.split('?')[0] ?? '';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
