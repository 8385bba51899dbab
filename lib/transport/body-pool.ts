/**
 * Memory for large request bodies, reused once a request is over.
 *
 * A 50,000-number body is about 800 KB. Made anew for every send, it lives through its request
 * (tens of ms), so it outlives the garbage collector's young generation and its memory is only
 * given back by a full collection: the next body then gets fresh memory from the system, and the
 * kernel maps and zeroes every page of it on first write (on virtual machines, several ms of
 * system time per send). Bodies from this pool come from memory a finished send gave back.
 *
 * A body is given back only when no request can read it any more: the transport retires one
 * that a request did not write in full (see its `noteWritten`). Bytes past a body's end in reused memory
 * (from an earlier, longer body of the same account) are zeroed when it is handed out, so the
 * Buffer's `.buffer` shows nothing of an earlier send.
 */
export class BodyPool {
  /** Bodies smaller than this are ordinary Buffers (Node pools small ones itself). */
  static readonly POOLED_FROM = 64 * 1024;
  /** Memory blocks come in multiples of this. */
  private static readonly BLOCK = 64 * 1024;
  /** At most this many blocks are kept, each of at most `maxKeptBytes` (8 MB): 16 MB at worst. */
  private static readonly MAX_KEPT = 2;

  private readonly free: ArrayBuffer[] = [];
  /** Blocks handed out and not given back: only these are taken back. */
  private readonly lent = new WeakSet<ArrayBuffer>();

  constructor(private readonly maxKeptBytes = 8 * 1024 * 1024) {}

  /** A Buffer of exactly `size` bytes, its contents unset. */
  readonly allocate = (size: number): Buffer => {
    if (size < BodyPool.POOLED_FROM) return Buffer.allocUnsafe(size);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const length = this.free[i].byteLength;
      if (length >= size && (best < 0 || length < this.free[best].byteLength)) best = i;
    }
    let block: ArrayBuffer;
    if (best >= 0) {
      block = this.free.splice(best, 1)[0];
      new Uint8Array(block, size).fill(0);
    } else {
      block = new ArrayBuffer(Math.ceil(size / BodyPool.BLOCK) * BodyPool.BLOCK);
    }
    this.lent.add(block);
    return Buffer.from(block, 0, size);
  };

  /**
   * Never takes `body` back: a request may still read it (it did not write all of it). Called
   * during the send; `release` afterwards then leaves the body to the garbage collector.
   */
  retire(body: Buffer): void {
    this.lent.delete(body.buffer as ArrayBuffer);
  }

  /** Takes back a body this pool handed out and did not retire, once its sender is done with it (anything else is left alone). */
  release(body: Buffer): void {
    const block = body.buffer;
    if (!(block instanceof ArrayBuffer) || !this.lent.has(block) || body.byteOffset !== 0) return;
    this.lent.delete(block);
    if (this.free.length < BodyPool.MAX_KEPT && block.byteLength <= this.maxKeptBytes) this.free.push(block);
  }

  /** @internal Blocks kept for reuse (tests). */
  get kept(): number {
    return this.free.length;
  }
}
