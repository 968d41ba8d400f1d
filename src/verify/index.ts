/** Verifying KeyChain records: the public API of this folder. */

export {
  findIdsInText,
  type IdFormat,
  idPattern,
  parseIdFormat,
  parseTopology,
  type Topology,
} from "./ids.js";
export { type InsertionScan, type Problem, scanInsertions } from "./insertions.js";
export { type PairShape, type ScanResult, scanPairAt } from "./pair-scanner.js";
export { documentHash, splitPassages } from "./passages.js";
export { readVerifiableRecord, type VerifiableRecord } from "./read-record.js";
export {
  type FailingLine,
  type RecountPolicy,
  type VerifyFileOptions,
  type VerifyProgress,
  type VerifySummary,
  verifyFile,
} from "./verify-file.js";
export {
  VERIFY_CODES,
  type VerifyCode,
  type VerifyFailure,
  type VerifyOptions,
  type VerifyResult,
  verifyRecord,
} from "./verify-record.js";
