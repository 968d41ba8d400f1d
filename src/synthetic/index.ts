export { generateSyntheticRecords, generateWorld, type SyntheticRecord } from "./generate.js";
export type { GenericDocument, GenericRecord, WorldOptions } from "./types.js";
export { writeWorldJsonl } from "./write-world-jsonl.js";
