import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32Portable } from "../../src/download/crc32.js";
import {
  classifyNetworkError,
  DownloadError,
  type DownloadFailure,
} from "../../src/download/downloadError.js";
import { commonTopFolder } from "../../src/download/extractZip.js";
import { downloadDataset } from "../../src/download/index.js";
import { formatBytes, parseContentRange } from "../../src/download/resumableFetch.js";
import { parseRetryAfter, retryDelay } from "../../src/download/retryPolicy.js";
import { mirrorUrl } from "../../src/download/sources.js";

function failure(reason: DownloadFailure, status?: number, retryAfter?: number): DownloadError {
  return new DownloadError("x", { url: "http://h/f", reason, status, retryAfter });
}

describe("retryDelay", () => {
  it.each([
    ["a dropped connection", failure("dropped"), 1, 500],
    ["a dropped connection, third retry", failure("dropped"), 3, 2000],
    ["503", failure("http", 503), 1, 500],
    ["429 with Retry-After", failure("http", 429, 7), 1, 7000],
    ["408", failure("http", 408), 2, 1000],
    ["Retry-After beyond the cap", failure("http", 503, 3600), 1, 30_000],
  ])("retries %s", (_what, error, attempt, delay) => {
    expect(retryDelay(error, attempt, 3)).toBe(delay);
  });

  it.each([
    ["404", failure("http", 404)],
    ["an unreachable host", failure("unreachable")],
    ["a web page", failure("html", 200)],
    ["bad content", failure("content")],
    ["an unknown failure", failure("other")],
    ["a plain error (e.g. a disk error)", new Error("ENOSPC")],
  ])("never retries %s", (_what, error) => {
    expect(retryDelay(error, 1, 3)).toBeUndefined();
  });

  it("stops after the last retry", () => {
    expect(retryDelay(failure("dropped"), 4, 3)).toBeUndefined();
    expect(retryDelay(failure("dropped"), 1, 0)).toBeUndefined();
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  it.each([
    [null, undefined],
    ["12", 12],
    ["Wed, 01 Jan 2025 00:00:30 GMT", 30],
    ["Tue, 31 Dec 2024 23:00:00 GMT", 0],
    ["soon", undefined],
  ])("reads %j as %j seconds", (header, seconds) => {
    expect(parseRetryAfter(header, now)).toBe(seconds);
  });
});

describe("classifyNetworkError", () => {
  const fetchFailed = (cause: unknown) => new TypeError("fetch failed", { cause });
  const coded = (code: string) => Object.assign(new Error(code), { code });
  it.each([
    ["ENOTFOUND", "unreachable"],
    ["EAI_AGAIN", "unreachable"],
    ["ECONNREFUSED", "unreachable"],
    ["ENETUNREACH", "unreachable"],
    ["UND_ERR_CONNECT_TIMEOUT", "unreachable"],
    ["ECONNRESET", "dropped"],
    ["UND_ERR_SOCKET", "dropped"],
    ["CERT_HAS_EXPIRED", "other"],
  ])("classifies %s as %s", (code, kind) => {
    expect(classifyNetworkError(fetchFailed(coded(code)))).toBe(kind);
  });

  it("looks inside AggregateError (several addresses tried)", () => {
    const agg = new AggregateError([coded("ECONNREFUSED"), coded("ECONNREFUSED")], "all failed");
    expect(classifyNetworkError(fetchFailed(agg))).toBe("unreachable");
  });
});

describe("downloadDataset with an injected fetch", () => {
  it("gives the offline message on a DNS failure", async () => {
    const dns = Object.assign(new Error("getaddrinfo ENOTFOUND curtis.ml.cmu.edu"), { code: "ENOTFOUND" });
    const fakeFetch = (async () => {
      throw new TypeError("fetch failed", { cause: dns });
    }) as unknown as typeof fetch;
    await expect(
      downloadDataset("hotpotqa", { dataDir: "/nonexistent-kc/data", fetch: fakeFetch }),
    ).rejects.toThrow(
      "Cannot download hotpotqa from http://curtis.ml.cmu.edu/datasets/hotpot/hotpot_train_v1.1.json: " +
        "the host could not be reached (are you offline?). " +
        "Place hotpot_train_v1.1.json in /nonexistent-kc/data/hotpotqa by hand, or retry later.",
    );
  });

  it("asks the original hosts for each data set", async () => {
    const urls: string[] = [];
    const fakeFetch = (async (url: string) => {
      urls.push(url);
      return new Response("gone", { status: 410, statusText: "Gone" });
    }) as unknown as typeof fetch;
    for (const name of ["hotpotqa", "musique", "2wikimqa"] as const) {
      await expect(
        downloadDataset(name, { dataDir: "/nonexistent-kc/data", fetch: fakeFetch }),
      ).rejects.toThrow(/answered 410 Gone/);
    }
    expect(urls).toEqual([
      "http://curtis.ml.cmu.edu/datasets/hotpot/hotpot_train_v1.1.json",
      "https://drive.usercontent.google.com/download?id=1tGdADlNjWFaHLeZZGShh2IRcpO6Lv24h&export=download&confirm=t",
      "https://www.dropbox.com/scl/fi/32t7pv1dyf3o2pp0dl25u/data_ids_april7.zip?rlkey=u868q6h0jojw4djjg7ea65j46&e=1&dl=1",
    ]);
  });
});

describe("small helpers", () => {
  it.each([
    ["bytes 100-199/200", { start: 100, total: 200 }],
    ["bytes 0-9/*", { start: 0 }],
    ["bytes */500", { start: Number.NaN, total: 500 }],
    ["items 1-2/3", undefined],
    [null, undefined],
  ])("parseContentRange(%j)", (header, expected) => {
    expect(parseContentRange(header)).toEqual(expected);
  });

  it.each([
    [["data/a.json", "data/b.json"], "data/"],
    [["data/a.json", "data/sub/b.json"], "data/"],
    [["a.json", "data/b.json"], ""],
    [["x/a.json", "y/b.json"], ""],
    [[], ""],
  ])("commonTopFolder(%j) is %j", (names, top) => {
    expect(commonTopFolder(names)).toBe(top);
  });

  it("mirrorUrl appends the file name to the base, with or without a trailing slash", () => {
    expect(mirrorUrl("http://127.0.0.1:9/m", "a b.zip")).toBe("http://127.0.0.1:9/m/a%20b.zip");
    expect(mirrorUrl("http://127.0.0.1:9/m/", "train.json")).toBe("http://127.0.0.1:9/m/train.json");
  });

  it("formatBytes", () => {
    expect([formatBytes(999), formatBytes(1500), formatBytes(2_300_000_000)]).toEqual([
      "999 bytes",
      "1.5 kB",
      "2.3 GB",
    ]);
  });

  it("crc32Portable agrees with zlib", () => {
    const data = Buffer.from("The quick brown fox jumps over the lazy dog".repeat(37));
    expect(crc32Portable(data)).toBe(zlibCrc32(data));
    expect(crc32Portable(data.subarray(500), crc32Portable(data.subarray(0, 500)))).toBe(zlibCrc32(data));
  });
});
