// Apart from api.ts, which the sign-in page loads too: only the signed-in features' api.ts use this.

/**
 * A feature's answer schemas, kept in a module of their own (which brings zod) and fetched with the first call that
 * needs one, so zod is not part of a page's first JS (issue 17). The request does not wait: `callParsed` takes the
 * schema as a promise and parses once both are in. A failed fetch is not kept: the next call tries again.
 * @example const { schema } = lazySchemas(() => import("./schemas.ts")); callParsed(api.x.$get(), schema("XAnswer"))
 */
export function lazySchemas<M>(load: () => Promise<M>): { schema: <K extends keyof M>(name: K) => Promise<M[K]>; load: () => Promise<M> } {
  let loading: Promise<M> | null = null;
  const loadOnce = (): Promise<M> => {
    loading ??= load();
    loading.catch(() => {
      loading = null;
    });
    return loading;
  };
  return { schema: (name) => loadOnce().then((schemas) => schemas[name]), load: loadOnce };
}
