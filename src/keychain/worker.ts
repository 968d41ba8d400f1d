/** The worker thread entry of KeyChain synthesis (compiled to dist/keychain/worker.js; see run/serve-samples.ts). */
import { serveSamples } from "../run/serve-samples.js";
import { keychainMaker } from "./maker.js";

serveSamples(keychainMaker);
