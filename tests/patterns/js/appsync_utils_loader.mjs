// Module resolution hook: "@aws-appsync/utils" (types only on npm) resolves to our stub.
const STUB = new URL("./appsync_utils_stub.mjs", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "@aws-appsync/utils") {
    return { url: STUB, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
