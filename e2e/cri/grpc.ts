import http2 from 'node:http2';
import net from 'node:net';

// gRPC unary calls over HTTP/2 on a unix socket, with node:http2 alone: a message travels as a
// 5-byte prefix (compressed flag, big-endian length) and its bytes; the status comes in the
// trailers (`grpc-status`, `grpc-message`), or in the headers of a trailers-only answer.

/** A gRPC call that ended with a non-zero status. */
export class GrpcError extends Error {
  override name = 'GrpcError';
  constructor(
    readonly method: string,
    readonly code: number,
    readonly details: string,
  ) {
    super(`${method}: grpc-status ${code}${details ? `: ${details}` : ''}`);
  }
}

/** Frames one message (pure). */
export function frameMessage(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt8(0, 0);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/**
 * Splits a response body into its messages (pure).
 * @throws Error on a compressed message (none was asked for) or a truncated frame.
 */
export function unframeMessages(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < body.length) {
    if (pos + 5 > body.length) throw new Error('truncated gRPC frame header');
    if (body.readUInt8(pos) !== 0) throw new Error('compressed gRPC message (not negotiated)');
    const len = body.readUInt32BE(pos + 1);
    if (pos + 5 + len > body.length) throw new Error('truncated gRPC message');
    out.push(body.subarray(pos + 5, pos + 5 + len));
    pos += 5 + len;
  }
  return out;
}

/** grpc-message is percent-encoded (pure). */
export function decodeGrpcMessage(text: string | undefined): string {
  if (!text) return '';
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * An HTTP/2 connection to a gRPC server on a unix socket, made on first use and made again
 * when the previous one failed (the server was not listening yet, or restarted).
 */
export class GrpcConnection {
  readonly #socketPath: string;
  #current: http2.ClientHttp2Session | undefined;

  constructor(socketPath: string) {
    this.#socketPath = socketPath;
  }

  get #session(): http2.ClientHttp2Session {
    if (!this.#current || this.#current.destroyed || this.#current.closed) {
      const session = http2.connect('http://localhost', { createConnection: () => net.connect(this.#socketPath) });
      // errors surface on the calls; an unhandled 'error' event would end the process
      session.on('error', () => {});
      this.#current = session;
    }
    return this.#current;
  }

  /**
   * Calls `/service/method` with one request message and returns the one response message.
   * @throws GrpcError on a non-zero grpc-status; Error on transport failures or a timeout.
   */
  unary(path: string, request: Uint8Array, timeoutMs = 120_000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const stream = this.#session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${Math.max(1, Math.round(timeoutMs))}m`,
      });
      const chunks: Buffer[] = [];
      let status: string | undefined;
      let details: string | undefined;
      let httpStatus = 0;
      const timer = setTimeout(() => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        reject(new Error(`${path}: no answer within ${timeoutMs} ms`));
      }, timeoutMs + 5_000);
      stream.on('response', (headers) => {
        httpStatus = Number(headers[':status']);
        if (headers['grpc-status'] !== undefined) {
          status = String(headers['grpc-status']);
          details = headers['grpc-message'] as string | undefined;
        }
      });
      stream.on('trailers', (trailers) => {
        status = String(trailers['grpc-status'] ?? status);
        details = (trailers['grpc-message'] as string | undefined) ?? details;
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`${path}: ${error.message}`));
      });
      stream.on('close', () => {
        clearTimeout(timer);
        if (status === undefined) {
          reject(new Error(`${path}: stream closed without grpc-status (HTTP ${httpStatus || '?'})`));
          return;
        }
        if (status !== '0') {
          reject(new GrpcError(path, Number(status), decodeGrpcMessage(details)));
          return;
        }
        try {
          const messages = unframeMessages(Buffer.concat(chunks));
          if (messages.length !== 1) throw new Error(`expected one response message, got ${messages.length}`);
          resolve(messages[0] as Buffer);
        } catch (error) {
          reject(new Error(`${path}: ${(error as Error).message}`));
        }
      });
      stream.end(frameMessage(request));
    });
  }

  close(): void {
    this.#current?.close();
    this.#current = undefined;
  }
}
