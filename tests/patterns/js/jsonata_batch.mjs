// Evaluates one JSONata expression with jsonata-js (the JavaScript JSONata that AWS Step Functions'
// own is: numbers are doubles, JSON.parse reads the inputs) over many inputs, in one process.
//   stdin:  {"expression": "...", "inputs": [<input>, ...]}
//   stdout: [{"value": <result>} | {} (undefined) | {"error": "<code>: <message>"}, ...]
import jsonata from "jsonata";

let text = "";
for await (const chunk of process.stdin) text += chunk;
const { expression, inputs } = JSON.parse(text);
const compiled = jsonata(expression);
const results = [];
for (const input of inputs) {
  try {
    const value = await compiled.evaluate(input);
    results.push(value === undefined ? {} : { value });
  } catch (error) {
    results.push({ error: `${error.code}: ${error.message}` });
  }
}
process.stdout.write(JSON.stringify(results));
