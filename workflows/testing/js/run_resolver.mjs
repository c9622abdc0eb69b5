// Runs handlers of APPSYNC_JS resolver modules under node, with the util stub in place of
// "@aws-appsync/utils" (package data of saas-workflows: workflows/testing/js).
//
//   node run_resolver.mjs <module.js> <request|response> <ctx.json>     one handler, one process
//   node run_resolver.mjs --session                                      many handlers, one process:
//       each stdin line {"module": path, "handler": "request"|"response", "ctx": {...}} gets one
//       stdout line (node starts once, ~150 ms; a handler then takes about a millisecond).
//
// One JSON line per run: {"result": ..., "errors": [...]} when the handler returns,
// {"error": {message, type, data, errorInfo}, "errors": [...]} when it calls util.error,
// {"earlyReturn": value} for runtime.earlyReturn, each with "stash" (ctx.stash after the handler: AppSync
// hands it on to the response handler); {"crash": {name, message}} for a JS crash (TypeError …; exit 1
// in the one-handler form). Bad usage exits 2.
import { register } from "node:module";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

register("./appsync_utils_loader.mjs", import.meta.url);

const HANDLERS = ["request", "response"];

async function runHandler(modulePath, handlerName, ctx) {
  // AppSync's context always has these; ctx.args is an alias of ctx.arguments.
  ctx.arguments = ctx.arguments ?? {};
  ctx.args = ctx.arguments;
  ctx.stash = ctx.stash ?? {};
  ctx.prev = ctx.prev ?? { result: null };

  const resolver = await import(pathToFileURL(resolve(modulePath)).href);
  const { appendedErrors, resetAppendedErrors } = await import("@aws-appsync/utils");
  if (typeof resolver[handlerName] !== "function") {
    return { usage: `${modulePath} does not export ${handlerName}` };
  }
  resetAppendedErrors();
  try {
    const result = resolver[handlerName](ctx);
    return { result: result === undefined ? null : result, errors: appendedErrors(), stash: ctx.stash };
  } catch (thrown) {
    if (thrown && thrown.appsyncError) {
      const { appsyncError, ...error } = thrown;
      return { error, errors: appendedErrors(), stash: ctx.stash };
    }
    if (thrown && thrown.appsyncEarlyReturn) {
      return { earlyReturn: thrown.value, errors: appendedErrors(), stash: ctx.stash };
    }
    return { crash: { name: thrown?.name ?? null, message: String(thrown?.message ?? thrown) } };
  }
}

async function session() {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === "") {
      continue;
    }
    let out;
    try {
      const { module, handler, ctx } = JSON.parse(line);
      out = HANDLERS.includes(handler)
        ? await runHandler(module, handler, ctx ?? {})
        : { usage: `handler must be request or response, not ${JSON.stringify(handler)}` };
    } catch (thrown) {
      // a module that does not load (syntax error, missing file) is a crash of this run only
      out = { crash: { name: thrown?.name ?? null, message: String(thrown?.message ?? thrown) } };
    }
    process.stdout.write(JSON.stringify(out) + "\n");
  }
}

async function once(modulePath, handlerName, ctxPath) {
  const out = await runHandler(modulePath, handlerName, JSON.parse(readFileSync(ctxPath, "utf8")));
  if (out.usage) {
    process.stderr.write(out.usage + "\n");
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(out) + "\n");
  if (out.crash) {
    process.exit(1);
  }
}

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === "--session") {
  await session();
} else if (args.length === 3 && HANDLERS.includes(args[1])) {
  await once(...args);
} else {
  process.stderr.write(
    "usage: node run_resolver.mjs <module.js> <request|response> <ctx.json>\n" +
      "       node run_resolver.mjs --session   (JSON lines on stdin)\n",
  );
  process.exit(2);
}
