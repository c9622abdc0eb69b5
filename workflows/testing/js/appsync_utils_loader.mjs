// Module hooks for running generated APPSYNC_JS resolvers under node:
// - "@aws-appsync/utils" (types only on npm) resolves to our stub;
// - a resolver file (appsync/<machine>.js) is an ES module whatever the nearest package.json says
//   (AppSync runs it as one; without this, node re-parses it and prints a warning for every file).
const STUB = new URL("./appsync_utils_stub.mjs", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "@aws-appsync/utils") {
    return { url: STUB, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith("file:") && url.endsWith(".js") && !url.includes("/node_modules/")) {
    return nextLoad(url, { ...context, format: "module" });
  }
  return nextLoad(url, context);
}
