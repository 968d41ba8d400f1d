/** The worker thread entry of plain synthesis (compiled to dist/plain/worker.js; see run/serve-samples.ts). */
import { serveSamples } from "../run/serve-samples.js";
import { plainMaker } from "./maker.js";

serveSamples(plainMaker);
