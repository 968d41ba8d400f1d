import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";

/** The SHA-256 (lowercase hex) and size in bytes of a file's content. */
export interface FileDigest {
  sha256: string;
  size: number;
}

/** A SHA-256 and byte count fed chunk by chunk, so a file is measured as it streams past. */
export class ByteDigest {
  private readonly hash: Hash = createHash("sha256");
  private size = 0;

  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
    this.size += bytes.length;
  }

  /** The digest of every byte given so far; call once, at the end. */
  result(): FileDigest {
    return { sha256: this.hash.digest("hex"), size: this.size };
  }
}

/** The SHA-256 and size of the file at `path`, streamed (the file is never held whole). */
export async function digestFile(path: string): Promise<FileDigest> {
  const digest = new ByteDigest();
  for await (const chunk of createReadStream(path)) digest.update(chunk as Buffer);
  return digest.result();
}
