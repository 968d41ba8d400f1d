// keychain-synth as a library: KeyChain instances at 4K from a small synthetic corpus, verified, exported for
// verl. Only the options this job cares about are given; every other one takes the CLI's default.
//
//   npm run build && node examples/library.mjs [OUT_DIR]
import { join } from "node:path";
import { exportVerl, runKeychain, verifyFile, writeWorldJsonl } from "keychain-synth";

const out = process.argv[2] ?? "library-demo";
const corpus = join(out, "world.jsonl");
await writeWorldJsonl(corpus, { seed: 1, questions: 300 });

const [file] = await runKeychain({ input: corpus, lengths: ["4k"], numSamples: 20, out: join(out, "keychain") });
const check = await verifyFile(file.path, { recount: "none" });
const verl = await exportVerl({ input: file.path, outDir: join(out, "verl"), endIndex: 16 });

console.log(`${file.written} instances, mean fill ${(100 * file.fill.mean).toFixed(1)} % of L − G: ${file.path}`);
console.log(`verified ${check.passed}/${check.lines}; verl rows train ${verl.train}, test ${verl.test}`);
