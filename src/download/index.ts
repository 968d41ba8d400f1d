export { type DownloadOptions, downloadDataset } from "./download-dataset.js";
export { DownloadError, type DownloadFailure } from "./download-error.js";
export type { DownloadProgress } from "./resumable-fetch.js";
export {
  DATASET_NAMES,
  DATASET_SOURCES,
  type DatasetName,
  type DatasetSource,
  type FileSource,
} from "./sources.js";
