// Lints many APPSYNC_JS sources in one process with the repository's eslint.config.mjs (the same
// engine and config as `npx eslint`, without paying its ~2 s start-up per resolver).
//   node lint_resolvers.mjs <repo-root>   < [{"filePath": "appsync/x.js", "code": "..."}]
// Prints [{"filePath", "messages": [{"ruleId", "message", "line"}]}]. Files need not exist on disk.
import { readFileSync } from "node:fs";
import { ESLint } from "eslint";

const root = process.argv[2];
if (!root) {
  process.stderr.write("usage: node lint_resolvers.mjs <repo-root> < sources.json\n");
  process.exit(2);
}
const sources = JSON.parse(readFileSync(0, "utf8"));
const eslint = new ESLint({ cwd: root });
const reports = [];
for (const { filePath, code } of sources) {
  const [result] = await eslint.lintText(code, { filePath, warnIgnored: true });
  reports.push({
    filePath,
    messages: result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message, line: m.line })),
  });
}
process.stdout.write(JSON.stringify(reports) + "\n");
