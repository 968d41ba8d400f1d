/**
 * Buffers for the lines of chunks of samples, used again and again: a chunk's lines are copied into a free
 * buffer, the writer writes it and gives it back. A run then allocates no memory per chunk for its output,
 * where a new buffer per chunk (7 MB at 32K) made V8 collect the main thread's heap every ten chunks or so.
 * Buffers in shared memory (`shared`) are filled in a worker thread and given back by the main thread: each
 * has its in-use flag in its first bytes, set and cleared with `Atomics`, so giving one back is no message.
 */

/** Bytes before a shared buffer's lines: its in-use flag (an Int32), padded to 8. */
const HEADER = 8;
const FREE = 0;
const IN_USE = 1;

/** A chunk's lines in a shared buffer, as it is sent to the thread that writes them. */
export interface SharedLines {
  buffer: SharedArrayBuffer;
  /** Bytes of lines, from {@link HEADER}. */
  length: number;
}

/** Filled lines: their bytes, and the call that gives the buffer back once they are written. */
export interface FilledLines {
  bytes: Uint8Array;
  release: () => void;
}

interface Slot {
  buffer: ArrayBufferLike;
  flag: Int32Array;
  /** Room for lines. */
  capacity: number;
}

export class LineBuffers {
  private readonly slots: Slot[] = [];

  /** `shared`: the buffers are `SharedArrayBuffer`s, to be written from another thread ({@link fillShared}). */
  constructor(private readonly shared = false) {}

  /** The lines `parts` (in order) copied into a free buffer. */
  fill(parts: readonly Uint8Array[]): FilledLines {
    const slot = this.copy(parts);
    const bytes = new Uint8Array(slot.buffer, HEADER, byteLength(parts));
    return { bytes, release: () => releaseFlag(slot.flag) };
  }

  /** The lines `parts` copied into a free shared buffer, to be sent to the writing thread ({@link sharedLines}). */
  fillShared(parts: readonly Uint8Array[]): SharedLines {
    if (!this.shared) throw new Error("these line buffers are not shared");
    const slot = this.copy(parts);
    return { buffer: slot.buffer as SharedArrayBuffer, length: byteLength(parts) };
  }

  /** How many buffers there are (in use or free). */
  get size(): number {
    return this.slots.length;
  }

  private copy(parts: readonly Uint8Array[]): Slot {
    const size = byteLength(parts);
    const slot = this.take(size);
    const view = new Uint8Array(slot.buffer, HEADER, size);
    let at = 0;
    for (const p of parts) {
      view.set(p, at);
      at += p.byteLength;
    }
    return slot;
  }

  /** A free buffer with room for `size` bytes, marked in use: a free one that is too small is replaced. */
  private take(size: number): Slot {
    let small = -1;
    for (const [i, s] of this.slots.entries()) {
      if (Atomics.load(s.flag, 0) !== FREE) continue;
      if (s.capacity >= size) {
        Atomics.store(s.flag, 0, IN_USE);
        return s;
      }
      small = i;
    }
    // Room for a quarter more, so chunks a little larger than the last do not each need a new buffer.
    const capacity = Math.ceil(size * 1.25);
    const buffer = this.shared
      ? new SharedArrayBuffer(HEADER + capacity)
      : new ArrayBuffer(HEADER + capacity);
    const slot: Slot = { buffer, flag: new Int32Array(buffer, 0, 1), capacity };
    Atomics.store(slot.flag, 0, IN_USE);
    if (small >= 0) this.slots[small] = slot;
    else this.slots.push(slot);
    return slot;
  }
}

/** The lines of a shared buffer filled in another thread, and how to give it back to that thread. */
export function sharedLines(lines: SharedLines): FilledLines {
  const flag = new Int32Array(lines.buffer, 0, 1);
  return { bytes: new Uint8Array(lines.buffer, HEADER, lines.length), release: () => releaseFlag(flag) };
}

function releaseFlag(flag: Int32Array): void {
  Atomics.store(flag, 0, FREE);
}

function byteLength(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  return n;
}
