import { describe, expect, it } from "vitest";
import { LineBuffers, sharedLines } from "../../src/io/line-buffers.js";

const parts = (...texts: string[]) => texts.map((t) => Buffer.from(t));

describe("LineBuffers", () => {
  it("gives the lines' parts joined, and a buffer back once released is filled again", () => {
    const buffers = new LineBuffers();
    const a = buffers.fill(parts("one\n", "two", "\n"));
    expect(Buffer.from(a.bytes).toString()).toBe("one\ntwo\n");
    // While `a` is being written, the next chunk gets another buffer: `a` keeps its bytes.
    const b = buffers.fill(parts("three\n"));
    expect(b.bytes.buffer).not.toBe(a.bytes.buffer);
    expect(Buffer.from(a.bytes).toString()).toBe("one\ntwo\n");
    a.release();
    const c = buffers.fill(parts("four\n"));
    expect(c.bytes.buffer).toBe(a.bytes.buffer);
    expect(Buffer.from(c.bytes).toString()).toBe("four\n");
    expect(buffers.size).toBe(2);
  });

  it("replaces a free buffer too small for a chunk, so their number stays what is in use at once", () => {
    const buffers = new LineBuffers();
    const small = buffers.fill(parts("x\n"));
    small.release();
    const big = buffers.fill(parts("y".repeat(10_000), "\n"));
    expect(big.bytes.byteLength).toBe(10_001);
    expect(buffers.size).toBe(1);
    expect(buffers.fill(parts()).bytes.byteLength).toBe(0);
  });

  it("in shared memory, is given back by the thread that wrote it, without a message", () => {
    const buffers = new LineBuffers(true);
    const sent = buffers.fillShared(parts("shared\n"));
    expect(sent.buffer).toBeInstanceOf(SharedArrayBuffer);
    // The writing thread's view: the same memory (structuredClone shares a SharedArrayBuffer).
    const received = sharedLines(structuredClone(sent));
    expect(Buffer.from(received.bytes).toString()).toBe("shared\n");
    expect(buffers.fillShared(parts("other\n")).buffer).not.toBe(sent.buffer);
    received.release();
    expect(buffers.fillShared(parts("again\n")).buffer).toBe(sent.buffer);
    expect(() => new LineBuffers().fillShared(parts("x"))).toThrow("not shared");
  });
});
