// Stand-in for "@aws-appsync/utils" when generated APPSYNC_JS resolvers run under node in tests.
// The npm package is types only (util is an empty object), so this follows AWS's documented
// behaviour (resolver-util-reference-js) for the functions our resolvers may call. Anything else
// throws, so a resolver that starts using an unstubbed util fails loudly instead of reading undefined.
import { randomUUID, randomBytes } from "node:crypto";

const appended = [];

// util.error: "Throws a custom error" carrying message, errorType, data and errorInfo, which AppSync
// puts into the GraphQL response's errors[]. Marked so the runner can tell it from a crash.
function appsyncError(message, errorType, data, errorInfo) {
  return {
    appsyncError: true,
    message: message === undefined ? null : String(message),
    type: errorType === undefined ? null : errorType,
    data: data === undefined ? null : data,
    errorInfo: errorInfo === undefined ? null : errorInfo,
  };
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function ulid() {
  let time = Date.now();
  let head = "";
  for (let i = 0; i < 10; i += 1) {
    head = CROCKFORD[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const bytes = randomBytes(16);
  let tail = "";
  for (let i = 0; i < 16; i += 1) {
    tail += CROCKFORD[bytes[i] % 32];
  }
  return head + tail;
}

const implemented = {
  autoId: () => randomUUID(),
  autoUlid: () => ulid(),
  error: (message, errorType, data, errorInfo) => {
    throw appsyncError(message, errorType, data, errorInfo);
  },
  appendError: (message, errorType, data, errorInfo) => {
    appended.push(appsyncError(message, errorType, data, errorInfo));
  },
  unauthorized: () => {
    throw appsyncError("Not Authorized to access this field", "Unauthorized");
  },
  base64Encode: (text) => Buffer.from(String(text), "utf8").toString("base64"),
  base64Decode: (text) => Buffer.from(String(text), "base64").toString("utf8"),
  urlEncode: (text) => encodeURIComponent(String(text)).replace(/%20/g, "+"),
  urlDecode: (text) => decodeURIComponent(String(text).replace(/\+/g, "%20")),
  escapeJavaScript: (text) => JSON.stringify(String(text)).slice(1, -1),
  time: {
    nowISO8601: () => new Date().toISOString(),
    nowEpochSeconds: () => Math.floor(Date.now() / 1000),
    nowEpochMilliSeconds: () => Date.now(),
  },
};

function strict(target, path) {
  return new Proxy(target, {
    get(object, name) {
      if (typeof name === "symbol" || name === "then") {
        return object[name];
      }
      if (!Object.hasOwn(object, name)) {
        throw new Error(`${path}.${String(name)} is not implemented by saas-workflows' appsync_utils_stub.mjs (workflows/testing/js)`);
      }
      const value = object[name];
      return value !== null && typeof value === "object" ? strict(value, `${path}.${name}`) : value;
    },
  });
}

export const util = strict(implemented, "util");
export const runtime = strict(
  {
    earlyReturn: (value) => {
      throw { appsyncEarlyReturn: true, value: value === undefined ? null : value };
    },
  },
  "runtime",
);

/** Errors recorded by util.appendError during the current run (for the runner, not for resolvers). */
export function appendedErrors() {
  return appended.map(({ appsyncError, ...error }) => error);
}

/** Forget the recorded errors: the runner's session mode runs many handlers in one process. */
export function resetAppendedErrors() {
  appended.length = 0;
}
