// Runs one handler of an APPSYNC_JS resolver module under node, with the util stub in place of
// "@aws-appsync/utils":  node run_resolver.mjs <module.js> <request|response> <ctx.json>
// Prints one JSON line: {"result": ..., "errors": [...]} when the handler returns,
// {"error": {message, type, data, errorInfo}, "errors": [...]} when it calls util.error,
// {"earlyReturn": value} for runtime.earlyReturn. A JS crash (TypeError …) exits 1 with {"crash": ...};
// bad usage exits 2.
import { register } from "node:module";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

register("./appsync_utils_loader.mjs", import.meta.url);

const [modulePath, handlerName, ctxPath] = process.argv.slice(2);
if (!modulePath || !["request", "response"].includes(handlerName) || !ctxPath) {
  process.stderr.write("usage: node run_resolver.mjs <module.js> <request|response> <ctx.json>\n");
  process.exit(2);
}

const ctx = JSON.parse(readFileSync(ctxPath, "utf8"));
// AppSync's context always has these; ctx.args is an alias of ctx.arguments.
ctx.arguments = ctx.arguments ?? {};
ctx.args = ctx.arguments;
ctx.stash = ctx.stash ?? {};
ctx.prev = ctx.prev ?? { result: null };

const resolver = await import(pathToFileURL(resolve(modulePath)).href);
const { appendedErrors } = await import("@aws-appsync/utils");
if (typeof resolver[handlerName] !== "function") {
  process.stderr.write(`${modulePath} does not export ${handlerName}\n`);
  process.exit(2);
}

let out;
try {
  const result = resolver[handlerName](ctx);
  out = { result: result === undefined ? null : result, errors: appendedErrors() };
} catch (thrown) {
  if (thrown && thrown.appsyncError) {
    const { appsyncError, ...error } = thrown;
    out = { error, errors: appendedErrors() };
  } else if (thrown && thrown.appsyncEarlyReturn) {
    out = { earlyReturn: thrown.value, errors: appendedErrors() };
  } else {
    process.stdout.write(JSON.stringify({ crash: { name: thrown?.name ?? null, message: String(thrown?.message ?? thrown) } }) + "\n");
    process.exit(1);
  }
}
process.stdout.write(JSON.stringify(out) + "\n");
