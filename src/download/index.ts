export { type DownloadOptions, downloadDataset } from "./downloadDataset.js";
export { DownloadError, type DownloadFailure } from "./downloadError.js";
export type { DownloadProgress } from "./resumableFetch.js";
export {
  DATASET_NAMES,
  DATASET_SOURCES,
  type DatasetName,
  type DatasetSource,
  type FileSource,
} from "./sources.js";
