import http2 from 'node:http2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeGrpcMessage, frameMessage, GrpcConnection, GrpcError, unframeMessages } from './grpc.ts';

describe('gRPC framing', () => {
  it('frames with a zero flag and a big-endian length, and splits frames back', () => {
    const a = frameMessage(Uint8Array.from([1, 2, 3]));
    expect(a.toString('hex')).toBe('0000000003010203');
    const both = Buffer.concat([a, frameMessage(new Uint8Array())]);
    expect(unframeMessages(both).map((b) => b.toString('hex'))).toEqual(['010203', '']);
  });

  it('rejects truncated and compressed frames', () => {
    expect(() => unframeMessages(Buffer.from('00000000050102', 'hex'))).toThrow(/truncated gRPC message/);
    expect(() => unframeMessages(Buffer.from('000000', 'hex'))).toThrow(/truncated gRPC frame header/);
    expect(() => unframeMessages(Buffer.from('0100000000', 'hex'))).toThrow(/compressed/);
  });

  it('percent-decodes grpc-message', () => {
    expect(decodeGrpcMessage('no%20such%20sandbox')).toBe('no such sandbox');
    expect(decodeGrpcMessage(undefined)).toBe('');
  });
});

describe('GrpcConnection against an HTTP/2 server on a unix socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnits-grpc-'));
  const socket = join(dir, 'grpc.sock');
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const path = headers[':path'];
      if (path === '/svc/Echo') {
        const [msg] = unframeMessages(Buffer.concat(chunks));
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(frameMessage(Buffer.from([...(msg ?? [])].reverse())));
      } else {
        // trailers-only answer
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'not%20found' }, { endStream: true });
      }
    });
  });
  const listening = new Promise<void>((resolve) => server.listen(socket, resolve));
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a unary call and reads the status from the trailers', async () => {
    await listening;
    const conn = new GrpcConnection(socket);
    try {
      expect([...(await conn.unary('/svc/Echo', Uint8Array.from([1, 2, 3])))]).toEqual([3, 2, 1]);
      const error = await conn.unary('/svc/Missing', new Uint8Array()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GrpcError);
      expect((error as GrpcError).code).toBe(5);
      expect((error as GrpcError).details).toBe('not found');
    } finally {
      conn.close();
    }
  });
});
