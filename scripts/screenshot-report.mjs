#!/usr/bin/env node
/**
 * Screenshot of an HTML page (the `report` output) as a PNG, with headless Chromium.
 *
 *   node scripts/screenshot-report.mjs PAGE.html [OUT.png] [--width 1400] [--height N] [--timeout 60]
 *
 * Without --height the whole page is captured: Chromium is driven over its DevTools pipe, the page's
 * content height is measured after load and the viewport set to it. With --height N it runs the plain
 * `chromium --headless --screenshot --window-size=W,N` command (a capture of the first N pixels).
 * The browser is $CHROMIUM, else the first of chromium, chromium-browser, google-chrome on PATH.
 * OUT defaults to PAGE with a .png extension and is written atomically (temp file, then rename).
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";

import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const USAGE =
  "usage: node scripts/screenshot-report.mjs PAGE.html [OUT.png] [--width 1400] [--height N] [--timeout 60]";
/** Tallest full-page capture, in CSS pixels; taller pages are cut there, with a warning. */
const MAX_HEIGHT = 30000;
const BASE_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--hide-scrollbars",
  "--no-first-run",
  "--mute-audio",
];

function fail(message) {
  process.stderr.write(`screenshot-report: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const positional = [];
  const opts = { width: 1400, height: undefined, timeout: 60 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (a === "--width" || a === "--height" || a === "--timeout") {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1)
        fail(`${a} needs a whole number ≥ 1, got ${JSON.stringify(argv[i])}`);
      opts[a.slice(2)] = v;
    } else if (a.startsWith("-")) {
      fail(`unknown option ${a}\n${USAGE}`);
    } else {
      positional.push(a);
    }
  }
  if (positional.length < 1 || positional.length > 2) fail(USAGE);
  const page = resolve(positional[0]);
  if (!existsSync(page)) fail(`no such page "${positional[0]}"`);
  const out = resolve(positional[1] ?? join(dirname(page), `${basename(page).replace(/\.html?$/i, "")}.png`));
  return { page, out, ...opts };
}

function findChromium() {
  const candidates = process.env.CHROMIUM
    ? [process.env.CHROMIUM]
    : ["chromium", "chromium-browser", "google-chrome"];
  for (const c of candidates) {
    const r = spawnSync(c, ["--version"], { encoding: "utf8" });
    if (r.status === 0) return c;
  }
  fail(
    `Chromium not found (tried ${candidates.join(", ")}). Install it, e.g. \`apt-get install -y chromium\` ` +
      "(Debian/Ubuntu, with sudo unless root), or set CHROMIUM=/path/to/chrome.",
  );
}

/** Plain CLI capture of the first `height` pixels. */
function captureFixed(bin, { page, width, height, timeout }, tmp) {
  const r = spawnSync(
    bin,
    [...BASE_FLAGS, `--window-size=${width},${height}`, `--screenshot=${tmp}`, pathToFileURL(page).href],
    { encoding: "utf8", timeout: timeout * 1000 },
  );
  if (r.status !== 0 || !existsSync(tmp))
    fail(`chromium failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
}

/** Full-page capture over the DevTools pipe (fd 3: commands to Chromium, fd 4: its replies). */
async function captureFullPage(bin, { page, width, timeout }, tmp) {
  const child = spawn(
    bin,
    [...BASE_FLAGS, `--window-size=${width},800`, "--remote-debugging-pipe", "about:blank"],
    {
      stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const toBrowser = child.stdio[3];
  const fromBrowser = child.stdio[4];
  let nextId = 1;
  const pending = new Map();
  const waiters = [];
  let buffered = "";
  let exited;
  const gone = new Promise((res) =>
    child.on("exit", (code) => {
      exited = code;
      res(code);
    }),
  );
  fromBrowser.setEncoding("utf8");
  fromBrowser.on("data", (chunk) => {
    buffered += chunk;
    let end = buffered.indexOf("\0");
    while (end >= 0) {
      const msg = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      end = buffered.indexOf("\0");
      if (msg.id !== undefined) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(`${p.method}: ${msg.error.message}`));
        else p?.resolve(msg.result);
      } else {
        for (const w of waiters.splice(0)) if (!w(msg)) waiters.push(w);
      }
    }
  });
  const send = (method, params = {}, sessionId) =>
    new Promise((res, rej) => {
      const id = nextId++;
      pending.set(id, { resolve: res, reject: rej, method });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  const waitFor = (method, sessionId) =>
    new Promise((res) =>
      waiters.push((m) => {
        if (m.method !== method || m.sessionId !== sessionId) return false;
        res(m);
        return true;
      }),
    );

  const work = (async () => {
    const { targetId } = await send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
    const s = (method, params) => send(method, params, sessionId);
    await s("Page.enable");
    const metrics = { width, deviceScaleFactor: 1, mobile: false };
    await s("Emulation.setDeviceMetricsOverride", { ...metrics, height: 800 });
    const loaded = waitFor("Page.loadEventFired", sessionId);
    const nav = await s("Page.navigate", { url: pathToFileURL(page).href });
    if (nav.errorText) throw new Error(`cannot open the page: ${nav.errorText}`);
    await loaded;
    await s("Runtime.evaluate", {
      expression: "document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => r(1))))",
      awaitPromise: true,
    });
    const layout = await s("Page.getLayoutMetrics");
    const size = layout.cssContentSize ?? layout.contentSize;
    let height = Math.max(1, Math.ceil(size.height));
    if (height > MAX_HEIGHT) {
      process.stderr.write(
        `screenshot-report: the page is ${height} px tall; capturing the first ${MAX_HEIGHT} px\n`,
      );
      height = MAX_HEIGHT;
    }
    await s("Emulation.setDeviceMetricsOverride", { ...metrics, height });
    const shot = await s("Page.captureScreenshot", { format: "png", captureBeyondViewport: true });
    writeFileSync(tmp, Buffer.from(shot.data, "base64"));
    await send("Browser.close").catch(() => {});
    return height;
  })();
  const timer = new Promise((_, rej) => {
    const t = setTimeout(() => rej(new Error(`no screenshot after ${timeout} s`)), timeout * 1000);
    t.unref();
  });
  const died = gone.then((code) => {
    throw new Error(`chromium exited early (code ${code})`);
  });
  try {
    return await Promise.race([work, timer, died]);
  } catch (error) {
    throw new Error(`${error.message}${stderr ? `\nchromium stderr (tail):\n${stderr}` : ""}`);
  } finally {
    if (exited === undefined) child.kill();
    await gone;
  }
}

const args = parseArgs(process.argv.slice(2));
const bin = findChromium();
const tmp = join(
  dirname(args.out),
  `.${basename(args.out)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp.png`,
);
try {
  let height = args.height;
  if (height === undefined) height = await captureFullPage(bin, args, tmp);
  else captureFixed(bin, args, tmp);
  const png = readFileSync(tmp);
  if (png.subarray(1, 4).toString() !== "PNG") throw new Error("chromium did not write a PNG");
  renameSync(tmp, args.out);
  process.stdout.write(`${args.out} (${args.width}×${height}, ${png.length} bytes)\n`);
} catch (error) {
  rmSync(tmp, { force: true });
  fail(error.message);
}
