// Judges of `workflows graph` output: mermaid's own parser and Graphviz (compiled to wasm).
//
// stdin: [{"name", "format": "mermaid" | "dot", "text"}]; stdout: [{"name", "format", "ok", "error"}].
// mermaid 11 imports DOMPurify, which needs a window even to parse: happy-dom provides one.
import { Window } from "happy-dom";
import { Graphviz } from "@hpcc-js/wasm-graphviz";

const window = new Window();
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
const graphviz = await Graphviz.load();

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const { name, format, text } of JSON.parse(input)) {
  try {
    if (format === "mermaid") {
      await mermaid.parse(text);
    } else if (format === "dot") {
      graphviz.dot(text, "svg");
    } else {
      throw new Error(`unknown format ${format}`);
    }
    results.push({ name, format, ok: true, error: null });
  } catch (error) {
    results.push({ name, format, ok: false, error: String(error?.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(results));
