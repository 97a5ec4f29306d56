// Peer benchmark: encodes a text file with @lenml/tokenizers (a JavaScript
// port of Hugging Face tokenizers) and prints the median throughput.
// Usage: node encode.mjs <tokenizer.json> <text file> [runs]
// Output (one JSON line): {"mb_per_s", "tokens", "bytes", "runs", "times_s"}.
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { TokenizerLoader } from "@lenml/tokenizers";

const [jsonPath, textPath, runsArg] = process.argv.slice(2);
if (!jsonPath || !textPath) {
  console.error("usage: node encode.mjs <tokenizer.json> <text file> [runs]");
  process.exit(2);
}
const runs = Number(runsArg ?? 5);
const tokenizerJSON = JSON.parse(readFileSync(jsonPath, "utf8"));
const configPath = join(dirname(jsonPath), "tokenizer_config.json");
const tokenizerConfig = existsSync(configPath) ? JSON.parse(readFileSync(configPath, "utf8")) : {};
const tokenizer = TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig });
const text = readFileSync(textPath, "utf8");
const bytes = Buffer.byteLength(text, "utf8");

let tokens = 0;
const times = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  const ids = tokenizer.encode(text, { add_special_tokens: false });
  const t1 = process.hrtime.bigint();
  tokens = ids.length;
  times.push(Number(t1 - t0) / 1e9);
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
console.log(JSON.stringify({ mb_per_s: bytes / 1e6 / median, tokens, bytes, runs, times_s: times }));
