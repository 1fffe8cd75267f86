// A long-lived TypeScript checker and formatter for codeloop (src/codeloop/lang/_tscd.py).
//
//   node tscd.mjs NODE_MODULES_DIR TSC_FLAG...
//
// Reads one JSON request per line on stdin and writes one JSON response per line on stdout:
//   {"id": 1, "op": "check", "files": {"code.ts": "..."}}
//     -> {"id": 1, "output": "<what `tsc FLAGS files` prints>", "emitted": {"code.js": "..."}}
//   {"id": 2, "op": "format", "text": "...", "filepath": "code.ts"}
//     -> {"id": 2, "formatted": "..."}   (or {"id": 2, "error": "..."} on a syntax error)
//
// A check is what the tsc CLI does for `tsc FLAGS file...` (same options, same diagnostic order
// and text, via tsc's own emitFilesAndReportErrors), but the request's files live in memory and
// the parsed lib and @types files are kept between requests: only node's start and the lib
// parsing are saved. The process ends when stdin closes.

import { createRequire } from "node:module";
import path from "node:path";
import os from "node:os";
import readline from "node:readline";

const [modules, ...flags] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), "noop.js"));
const ts = require("typescript");
let prettier = null;

const parsed = ts.parseCommandLine(flags);
if (parsed.errors.length > 0 || parsed.fileNames.length > 0) {
  const text = parsed.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  process.stderr.write(`tscd: bad flags: ${text.join("; ") || parsed.fileNames.join(" ")}\n`);
  process.exit(2);
}
const options = parsed.options;
// Request files appear in a folder beside the CLI's scratch folders, so that module resolution
// walks the same parent folders; inside it only the request's files exist, whatever the disk holds.
const root = path.join(os.tmpdir(), "codeloop-tscd");
const inRoot = (name) => name === root || name.startsWith(root + path.sep);
const formatHost = {
  getCanonicalFileName: (name) => name,
  getCurrentDirectory: () => root,
  getNewLine: () => "\n",
};
const baseHost = ts.createCompilerHost(options);
const diskFiles = new Map();

function check(files) {
  const inMemory = new Map(Object.entries(files).map(([name, text]) => [path.join(root, name), text]));
  const emitted = {};
  const outDir = path.resolve(root, options.outDir ?? ".");
  const host = {
    ...baseHost,
    getCurrentDirectory: () => root,
    fileExists: (name) => (inRoot(name) ? inMemory.has(name) : baseHost.fileExists(name)),
    readFile: (name) => (inRoot(name) ? inMemory.get(name) : baseHost.readFile(name)),
    directoryExists: (name) =>
      inRoot(name)
        ? [...inMemory.keys()].some((file) => file.startsWith(name + path.sep))
        : root.startsWith(name + path.sep) || baseHost.directoryExists(name),
    getDirectories: (name) => (inRoot(name) ? [] : baseHost.getDirectories(name)),
    getSourceFile: (name, languageVersion, onError, shouldCreate) => {
      if (inRoot(name)) {
        const text = inMemory.get(name);
        return text === undefined ? undefined : ts.createSourceFile(name, text, languageVersion);
      }
      const version = typeof languageVersion === "object" ? languageVersion : { languageVersion };
      const key = `${name}\0${version.languageVersion}\0${version.impliedNodeFormat ?? ""}`;
      let file = diskFiles.get(key);
      if (file === undefined) {
        file = baseHost.getSourceFile(name, languageVersion, onError, shouldCreate);
        if (file !== undefined) diskFiles.set(key, file);
      }
      return file;
    },
    writeFile: (name, text) => {
      emitted[path.relative(outDir, path.resolve(root, name))] = text;
    },
  };
  const program = ts.createProgram({
    rootNames: Object.keys(files).map((name) => path.join(root, name)),
    options,
    host,
  });
  const lines = [];
  ts.emitFilesAndReportErrors(program, (d) => lines.push(ts.formatDiagnostic(d, formatHost)));
  return { output: lines.join(""), emitted };
}

async function format(text, filepath) {
  prettier ??= require("prettier");
  try {
    return { formatted: await prettier.format(text, { filepath }) };
  } catch (error) {
    return { error: String(error?.message ?? error).split("\n")[0] };
  }
}

async function handle(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (error) {
    return { id: null, error: `bad request: ${error.message}` };
  }
  try {
    if (request.op === "check") return { id: request.id, ...check(request.files) };
    if (request.op === "format") return { id: request.id, ...(await format(request.text, request.filepath)) };
    return { id: request.id, error: `unknown op ${JSON.stringify(request.op)}` };
  } catch (error) {
    return { id: request.id, error: `tscd failed: ${error?.stack ?? error}` };
  }
}

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of input) {
  if (line.trim()) process.stdout.write(JSON.stringify(await handle(line)) + "\n");
}
