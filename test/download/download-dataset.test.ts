import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commonTopFolder, extractZip } from "../../src/download/extract-zip.js";
import { DownloadError, downloadDataset } from "../../src/download/index.js";
import { Rng } from "../../src/rng.js";

// ---------------------------------------------------------------------------------------------------------
// A loopback server whose behaviour each test chooses.

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => unknown;

interface TestServer {
  base: string;
  /** Requests so far, with their Range headers. */
  requests: { url: string; range: string | undefined }[];
  close(): Promise<void>;
}

async function startServer(handler: Handler): Promise<TestServer> {
  const requests: TestServer["requests"] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? "", range: req.headers.range });
    void Promise.resolve(handler(req, res, requests.length)).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serve `body`: honours `Range: bytes=N-` with 206 unless `ignoreRange`. */
function serveBytes(res: ServerResponse, req: IncomingMessage, body: Buffer, ignoreRange = false): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  if (m && !ignoreRange) {
    const start = Number(m[1]);
    if (start >= body.length) {
      res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
      return;
    }
    res.writeHead(206, {
      "content-range": `bytes ${start}-${body.length - 1}/${body.length}`,
      "content-length": body.length - start,
      "content-type": "application/octet-stream",
    });
    res.end(body.subarray(start));
    return;
  }
  res.writeHead(200, { "content-length": body.length, "content-type": "application/octet-stream" });
  res.end(body);
}

/** Announce the whole body, send its first `cut` bytes, then break the connection. */
async function serveAndDrop(res: ServerResponse, body: Buffer, cut: number): Promise<void> {
  res.writeHead(200, { "content-length": body.length, "content-type": "application/octet-stream" });
  await new Promise<void>((resolve) => res.write(body.subarray(0, cut), () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 50));
  res.socket?.destroy();
}

function randomBody(size: number, seed: number): Buffer {
  const rng = Rng.derive("download-test", seed);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 16) Buffer.from(rng.bytes16()).copy(out, i);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// A tiny zip writer (stored or deflated entries, no zip64): enough to test extraction.

function makeZip(entries: { name: string; data?: string | Buffer; deflate?: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const raw = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    const method = e.deflate ? 8 : 0;
    const data = e.deflate ? deflateRawSync(raw) : raw;
    const crc = crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

// ---------------------------------------------------------------------------------------------------------

let dataDir: string;
let server: TestServer | undefined;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "kc-download-"));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

const TRAIN = "hotpot_train_v1.1.json";
const DEV = "hotpot_dev_distractor_v1.json";

describe("downloadDataset: plain files", () => {
  it("downloads both HotpotQA files into <dataDir>/hotpotqa and reports progress", async () => {
    const train = randomBody(200_000, 1);
    const dev = randomBody(30_000, 2);
    server = await startServer((req, res) => serveBytes(res, req, req.url?.endsWith(TRAIN) ? train : dev));
    const progress: { bytes: number; total?: number; file: string }[] = [];
    const { files } = await downloadDataset("hotpotqa", {
      dataDir,
      urlOverride: server.base,
      onProgress: (p) => progress.push(p),
    });
    expect(files).toEqual([join(dataDir, "hotpotqa", TRAIN), join(dataDir, "hotpotqa", DEV)]);
    expect(await readFile(files[0] as string)).toEqual(train);
    expect(await readFile(files[1] as string)).toEqual(dev);
    expect(server.requests.map((r) => r.url)).toEqual([`/${TRAIN}`, `/${DEV}`]);
    expect(progress.at(-1)).toEqual({ bytes: dev.length, total: dev.length, file: files[1] });
    expect(progress.some((p) => p.file === files[0] && p.bytes === train.length)).toBe(true);
    expect(await readdir(join(dataDir, "hotpotqa"))).toEqual([DEV, TRAIN]);
  });

  it("skips files that are already in place", async () => {
    server = await startServer((_req, res) => res.writeHead(500).end());
    await mkdir(join(dataDir, "hotpotqa"), { recursive: true });
    await writeFile(join(dataDir, "hotpotqa", TRAIN), "[]");
    await writeFile(join(dataDir, "hotpotqa", DEV), "[]");
    const { files } = await downloadDataset("hotpotqa", { dataDir, urlOverride: server.base });
    expect(files).toHaveLength(2);
    expect(server.requests).toEqual([]);
  });

  it("resumes from a .part file with a Range request when the server answers 206", async () => {
    const body = randomBody(150_000, 3);
    server = await startServer((req, res) => serveBytes(res, req, body));
    const dir = join(dataDir, "hotpotqa");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${TRAIN}.part`), body.subarray(0, 60_000));
    await writeFile(join(dir, DEV), "[]");
    await downloadDataset("hotpotqa", { dataDir, urlOverride: server.base });
    expect(server.requests).toEqual([{ url: `/${TRAIN}`, range: "bytes=60000-" }]);
    expect(await readFile(join(dir, TRAIN))).toEqual(body);
    expect(existsSync(join(dir, `${TRAIN}.part`))).toBe(false);
  });

  it("starts over when the server ignores Range and answers 200", async () => {
    const body = randomBody(120_000, 4);
    server = await startServer((req, res) => serveBytes(res, req, body, true));
    const dir = join(dataDir, "hotpotqa");
    await mkdir(dir, { recursive: true });
    // A stale part whose bytes differ from the real file: appending to it would corrupt the result.
    await writeFile(join(dir, `${TRAIN}.part`), Buffer.alloc(50_000, 7));
    await writeFile(join(dir, DEV), "[]");
    await downloadDataset("hotpotqa", { dataDir, urlOverride: server.base });
    expect(server.requests[0]?.range).toBe("bytes=50000-");
    expect(await readFile(join(dir, TRAIN))).toEqual(body);
  });

  it("renames a complete .part into place when the server answers 416 for its size", async () => {
    const body = randomBody(10_000, 5);
    server = await startServer((req, res) => serveBytes(res, req, body));
    const dir = join(dataDir, "hotpotqa");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${TRAIN}.part`), body);
    await writeFile(join(dir, DEV), "[]");
    await downloadDataset("hotpotqa", { dataDir, urlOverride: server.base });
    expect(await readFile(join(dir, TRAIN))).toEqual(body);
  });

  it("keeps the part after a dropped connection, and a second call resumes to identical bytes", async () => {
    const body = randomBody(400_000, 6);
    server = await startServer(async (req, res, n) => {
      if (n === 1) await serveAndDrop(res, body, 100_000);
      else serveBytes(res, req, body);
    });
    const dir = join(dataDir, "hotpotqa");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, DEV), "[]");
    const first = downloadDataset("hotpotqa", { dataDir, urlOverride: server.base, retries: 0 });
    await expect(first).rejects.toThrow(/the connection broke after .*run the download again to resume/);
    await first.catch((e: unknown) => {
      expect(e).toBeInstanceOf(DownloadError);
      expect((e as DownloadError).reason).toBe("dropped");
    });
    const partSize = (await stat(join(dir, `${TRAIN}.part`))).size;
    expect(partSize).toBeGreaterThan(0);
    expect(partSize).toBeLessThan(body.length);
    expect(existsSync(join(dir, TRAIN))).toBe(false);

    await downloadDataset("hotpotqa", { dataDir, urlOverride: server.base, retries: 0 });
    expect(server.requests[1]?.range).toBe(`bytes=${partSize}-`);
    expect(await readFile(join(dir, TRAIN))).toEqual(body);
  });

  it("retries a dropped connection by itself, resuming from the part", async () => {
    const body = randomBody(300_000, 7);
    server = await startServer(async (req, res, n) => {
      if (n === 1) await serveAndDrop(res, body, 64_000);
      else serveBytes(res, req, body);
    });
    const dir = join(dataDir, "hotpotqa");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, DEV), "[]");
    await downloadDataset("hotpotqa", { dataDir, urlOverride: server.base });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.range).toMatch(/^bytes=\d+-$/);
    expect(await readFile(join(dir, TRAIN))).toEqual(body);
  });

  it("stops at once on abort and keeps the partial file", async () => {
    const body = randomBody(200_000, 8);
    server = await startServer(async (_req, res) => {
      res.writeHead(200, { "content-length": body.length });
      res.write(body.subarray(0, 20_000));
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      res.end(body.subarray(20_000));
    });
    const controller = new AbortController();
    const run = downloadDataset("hotpotqa", {
      dataDir,
      urlOverride: server.base,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytes > 0) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(existsSync(join(dataDir, "hotpotqa", `${TRAIN}.part`))).toBe(true);
  });
});

describe("downloadDataset: failures", () => {
  it("names the status and URL on an HTTP error", async () => {
    server = await startServer((_req, res) => res.writeHead(404, "Not Found").end("nope"));
    const url = `${server.base}${TRAIN}`;
    const run = downloadDataset("hotpotqa", { dataDir, urlOverride: server.base });
    await expect(run).rejects.toThrow(
      `Cannot download hotpotqa from ${url}: the server answered 404 Not Found.`,
    );
    await run.catch((e: unknown) => expect(e).toMatchObject({ name: "DownloadError", status: 404, url }));
    expect(server.requests).toHaveLength(1);
  });

  it("retries 503 and reports the attempts when it keeps failing", async () => {
    server = await startServer((_req, res) => res.writeHead(503, { "retry-after": "0" }).end());
    const run = downloadDataset("hotpotqa", { dataDir, urlOverride: server.base, retries: 2 });
    await expect(run).rejects.toThrow(/answered 503 Service Unavailable\. \(gave up after 3 attempts\)/);
    expect(server.requests).toHaveLength(3);
  });

  it("stops during the wait before a retry when aborted", async () => {
    server = await startServer((_req, res) => res.writeHead(503, { "retry-after": "20" }).end());
    const controller = new AbortController();
    const started = Date.now();
    const run = downloadDataset("hotpotqa", { dataDir, urlOverride: server.base, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.requests).toHaveLength(1);
  });

  it("says the host could not be reached when the connection is refused", async () => {
    const closed = await startServer(() => {});
    const base = closed.base;
    await closed.close();
    const dir = join(dataDir, "hotpotqa");
    await expect(downloadDataset("hotpotqa", { dataDir, urlOverride: base })).rejects.toThrow(
      `Cannot download hotpotqa from ${base}${TRAIN}: the host could not be reached (are you offline?). ` +
        `Place ${TRAIN} in ${dir} by hand, or retry later.`,
    );
  });

  it("fails clearly when a web page comes back instead of a zip", async () => {
    server = await startServer((_req, res) =>
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end("<html>Sign in</html>"),
    );
    await expect(downloadDataset("musique", { dataDir, urlOverride: server.base })).rejects.toThrow(
      /sent a web page instead of the file .*save it as .*musique_v1\.0\.zip, then run again/,
    );
    expect(existsSync(join(dataDir, "musique", "musique_v1.0.zip.part"))).toBe(false);
  });

  it("keeps a mirror's credentials out of its messages", async () => {
    server = await startServer((_req, res) => res.writeHead(404, "Not Found").end("nope"));
    const mirror = server.base.replace("http://", "http://user:secret@");
    // Node's fetch refuses a URL with credentials, and quotes it; a fetch that strips them gets the 404.
    const refused = (await downloadDataset("hotpotqa", { dataDir, urlOverride: mirror, retries: 0 }).catch(
      (e: unknown) => e,
    )) as DownloadError;
    const stripping = ((url: string, init: RequestInit) =>
      fetch(url.replace("user:secret@", ""), init)) as unknown as typeof fetch;
    const answered = (await downloadDataset("hotpotqa", {
      dataDir,
      urlOverride: mirror,
      fetch: stripping,
    }).catch((e: unknown) => e)) as DownloadError;
    for (const error of [refused, answered]) {
      expect(error).toBeInstanceOf(DownloadError);
      expect(error.message).toContain(`${server.base.replace("http://", "http://user:***@")}${TRAIN}`);
      expect(error.message).not.toContain("secret");
      expect(error.url).not.toContain("secret");
    }
    expect(answered.status).toBe(404);
    await expect(
      downloadDataset("hotpotqa", { dataDir, urlOverride: "http://user:secret@bad host/?token=abc" }),
    ).rejects.toThrow('Cannot use "http://user:***@bad host/?token=***" as a download URL');
  });

  it("rejects unknown data set names and bad mirror URLs as configuration errors", async () => {
    await expect(downloadDataset("squad" as "hotpotqa", { dataDir })).rejects.toThrow(
      /Unknown data set "squad"/,
    );
    await expect(downloadDataset("hotpotqa", { dataDir, urlOverride: "not a url" })).rejects.toMatchObject({
      name: "ConfigError",
    });
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

describe("downloadDataset: archives", () => {
  it("extracts MuSiQue from its data/ folder, skips __MACOSX and removes the zip", async () => {
    const zip = makeZip([
      { name: "data/" },
      { name: "data/musique_full_v1.0_train.jsonl", data: '{"id":"2hop__1"}\n', deflate: true },
      { name: "data/musique_ans_v1.0_dev.jsonl", data: '{"id":"2hop__2"}\n' },
      { name: "__MACOSX/data/._musique_full_v1.0_train.jsonl", data: "junk" },
    ]);
    server = await startServer((req, res) => serveBytes(res, req, zip));
    const dir = join(dataDir, "musique");
    const { files } = await downloadDataset("musique", { dataDir, urlOverride: server.base });
    expect(server.requests.map((r) => r.url)).toEqual(["/musique_v1.0.zip"]);
    expect(files).toEqual([
      join(dir, "musique_full_v1.0_train.jsonl"),
      join(dir, "musique_ans_v1.0_dev.jsonl"),
    ]);
    expect(await readFile(join(dir, "musique_full_v1.0_train.jsonl"), "utf8")).toBe('{"id":"2hop__1"}\n');
    expect((await readdir(dir)).sort()).toEqual([
      "musique_ans_v1.0_dev.jsonl",
      "musique_full_v1.0_train.jsonl",
    ]);

    const again = await downloadDataset("musique", { dataDir, urlOverride: server.base });
    expect(server.requests).toHaveLength(1);
    expect(again.files).toEqual([...files].sort());
  });

  it("flattens the single top folder of the 2WikiMQA zip so train.json lands in 2wikimqa/", async () => {
    const zip = makeZip([
      { name: "data_ids_april7/train.json", data: "[1]", deflate: true },
      { name: "data_ids_april7/dev.json", data: "[2]" },
      { name: "data_ids_april7/id_aliases.json", data: "{}" },
    ]);
    server = await startServer((req, res) => serveBytes(res, req, zip));
    await downloadDataset("2wikimqa", { dataDir, urlOverride: server.base });
    const dir = join(dataDir, "2wikimqa");
    expect(await readFile(join(dir, "train.json"), "utf8")).toBe("[1]");
    expect((await readdir(dir)).sort()).toEqual(["dev.json", "id_aliases.json", "train.json"]);
  });

  it("extracts a zip left in place by hand without downloading", async () => {
    server = await startServer((_req, res) => res.writeHead(500).end());
    const dir = join(dataDir, "2wikimqa");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "2wikimqa.zip"), makeZip([{ name: "train.json", data: "[]" }]));
    await downloadDataset("2wikimqa", { dataDir, urlOverride: server.base });
    expect(server.requests).toEqual([]);
    expect(await readdir(dir)).toEqual(["train.json"]);
  });

  it("reports an archive without the expected file, and one that is not a zip", async () => {
    server = await startServer((req, res) => {
      if (req.url === "/2wikimqa.zip") serveBytes(res, req, makeZip([{ name: "readme.txt", data: "hi" }]));
      else serveBytes(res, req, Buffer.from("this is not a zip file at all, sorry"));
    });
    await expect(downloadDataset("2wikimqa", { dataDir, urlOverride: server.base })).rejects.toThrow(
      /does not hold train\.json \(it holds readme\.txt\)/,
    );
    await expect(downloadDataset("musique", { dataDir, urlOverride: server.base })).rejects.toThrow(
      /Cannot extract musique from .*musique_v1\.0\.zip .*The file was removed/,
    );
    expect(existsSync(join(dataDir, "musique", "musique_v1.0.zip"))).toBe(false);
  });
});

describe("extractZip", () => {
  it("keeps nested folders and leaves no temporary files", async () => {
    const zipPath = join(dataDir, "a.zip");
    await writeFile(
      zipPath,
      makeZip([
        { name: "top/a.txt", data: "A" },
        { name: "top/sub/b.txt", data: "B".repeat(5000), deflate: true },
      ]),
    );
    const out = join(dataDir, "out");
    const files = await extractZip(zipPath, out);
    expect(files).toEqual([join(out, "a.txt"), join(out, "sub", "b.txt")]);
    expect(await readFile(join(out, "sub", "b.txt"), "utf8")).toBe("B".repeat(5000));
    expect((await readdir(out, { recursive: true })).sort()).toEqual(["a.txt", "sub", join("sub", "b.txt")]);
  });

  it("writes nothing when an entry is corrupt", async () => {
    const zip = makeZip([
      { name: "good.txt", data: "fine" },
      { name: "bad.txt", data: "x".repeat(100), deflate: true },
    ]);
    // Corrupt the CRC of the second entry in the central directory and its local header.
    const second = zip.indexOf(Buffer.from("bad.txt")) - 30;
    zip.writeUInt32LE(0xdeadbeef, second + 14);
    const cdSecond = zip.lastIndexOf(Buffer.from("bad.txt")) - 46;
    zip.writeUInt32LE(0xdeadbeef, cdSecond + 16);
    const zipPath = join(dataDir, "bad.zip");
    await writeFile(zipPath, zip);
    const out = join(dataDir, "out");
    await expect(extractZip(zipPath, out)).rejects.toThrow();
    expect(await readdir(out)).toEqual([]);
  });

  it.each([
    [["data/a.json", "data/b.json"], "data/"],
    [["data/a.json", "data/sub/b.json"], "data/"],
    [["a.json", "data/b.json"], ""],
    [["x/a.json", "y/b.json"], ""],
    [[], ""],
  ])("strips the common top folder of %j: %j", (names, top) => {
    expect(commonTopFolder(names)).toBe(top);
  });
});
