/** The data sets `downloadDataset` knows, and where each one comes from. */
export type DatasetName = "hotpotqa" | "musique" | "2wikimqa";

export const DATASET_NAMES: readonly DatasetName[] = ["hotpotqa", "musique", "2wikimqa"];

/** A plain file saved under `fileName`. */
export interface PlainFileSource {
  kind: "file";
  url: string;
  /** Name on disk, inside the data set's folder; also its name on a mirror (`urlOverride`). */
  fileName: string;
}

/** A zip archive saved under `fileName`, extracted into the data set's folder, then removed. */
export interface ZipSource {
  kind: "zip";
  url: string;
  fileName: string;
  /** Files the extracted archive must hold (paths relative to the folder). When they all exist already,
   * nothing is downloaded. */
  expect: readonly string[];
}

export type FileSource = PlainFileSource | ZipSource;

export interface DatasetSource {
  name: DatasetName;
  /** Folder under the data directory. */
  folder: string;
  files: readonly FileSource[];
}

const MUSIQUE_DRIVE_ID = "1tGdADlNjWFaHLeZZGShh2IRcpO6Lv24h";

/**
 * The original download locations (reference §1.4). Google Drive's `usercontent` endpoint with
 * `confirm=t` skips the virus-scan page that large files otherwise get; the Dropbox link keeps its full
 * query string and gains `dl=1` for a direct download.
 */
export const DATASET_SOURCES: Readonly<Record<DatasetName, DatasetSource>> = {
  hotpotqa: {
    name: "hotpotqa",
    folder: "hotpotqa",
    files: [
      {
        kind: "file",
        url: "http://curtis.ml.cmu.edu/datasets/hotpot/hotpot_train_v1.1.json",
        fileName: "hotpot_train_v1.1.json",
      },
      {
        kind: "file",
        url: "http://curtis.ml.cmu.edu/datasets/hotpot/hotpot_dev_distractor_v1.json",
        fileName: "hotpot_dev_distractor_v1.json",
      },
    ],
  },
  musique: {
    name: "musique",
    folder: "musique",
    files: [
      {
        kind: "zip",
        url: `https://drive.usercontent.google.com/download?id=${MUSIQUE_DRIVE_ID}&export=download&confirm=t`,
        fileName: "musique_v1.0.zip",
        expect: ["musique_full_v1.0_train.jsonl"],
      },
    ],
  },
  "2wikimqa": {
    name: "2wikimqa",
    folder: "2wikimqa",
    files: [
      {
        kind: "zip",
        url: "https://www.dropbox.com/scl/fi/32t7pv1dyf3o2pp0dl25u/data_ids_april7.zip?rlkey=u868q6h0jojw4djjg7ea65j46&e=1&dl=1",
        fileName: "2wikimqa.zip",
        expect: ["train.json"],
      },
    ],
  },
};

/** The URL of `file` on a mirror at `base`: the base with the file's name appended. */
export function mirrorUrl(base: string, fileName: string): string {
  return new URL(encodeURIComponent(fileName), base.endsWith("/") ? base : `${base}/`).href;
}
