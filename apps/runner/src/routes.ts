import { InvalidRequestError, openApiDocument } from '@lighthouse-ts/metapipeline-client';

export type Method = 'GET' | 'POST';

export interface Route<Name extends string> {
  /** The path as the OpenAPI document writes it, e.g. `/v1/namespaces/{namespace}/metapipelines`. */
  template: string;
  /** What each method does here. */
  operations: Partial<Record<Method, Name>>;
}

export interface RouteMatch<Name extends string> {
  route: Route<Name>;
  params: Record<string, string>;
}

/** The contract's routes, read from the OpenAPI document itself so the two cannot drift apart. */
export function contractRoutes(): Route<string>[] {
  return Object.entries(openApiDocument().paths).map(([template, item]) => ({
    template,
    operations: Object.fromEntries(
      Object.entries(item as Record<string, { operationId: string }>).map(([method, operation]) => [
        method.toUpperCase(),
        operation.operationId,
      ]),
    ),
  }));
}

/** Matches a raw (still percent-encoded) path against route templates; `{param}` is one segment. */
export function createRouter<Name extends string>(routes: Route<Name>[]) {
  const compiled = routes.map((route) => {
    const names: string[] = [];
    const source = route.template.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { route, names, pattern: new RegExp(`^${source}$`) };
  });
  return (pathname: string): RouteMatch<Name> | undefined => {
    for (const { route, names, pattern } of compiled) {
      const match = pattern.exec(pathname);
      if (!match) continue;
      const params: Record<string, string> = {};
      for (const [i, name] of names.entries()) params[name] = decodeSegment(name, match[i + 1] ?? '');
      return { route, params };
    }
    return undefined;
  };
}

function decodeSegment(name: string, segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidRequestError(`invalid path: malformed percent-encoding in ${name}`, [
      { path: name, message: 'malformed percent-encoding' },
    ]);
  }
}

/** The methods a route answers, HEAD included wherever GET is, as an `Allow` header lists them. */
export function allowedMethods(route: Route<string>): string[] {
  const methods = Object.keys(route.operations);
  return methods.includes('GET') ? [...methods, 'HEAD'] : methods;
}
