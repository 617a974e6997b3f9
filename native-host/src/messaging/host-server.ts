/**
 * The host's message loop: frames in on stdin, one validated command each, one response frame out
 * per request. Bad input of any kind gets a typed error frame; nothing here may crash the process.
 */
import type { Readable, Writable } from 'node:stream';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import {
  HostEventSchema,
  HostRequestEnvelopeSchema,
  HostStatusEventSchema,
  hostCommands,
  type HostEvent,
  type HostStatusEvent,
  type HostCommand,
  type HostResponse,
} from '../../../shared/protocol/host.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { parseOrBadRequest } from '../../../shared/protocol/validate.js';
import type { CommandHandlers, RequestContext } from '../commands.js';
import { FrameReader, encodeFrame, type Frame } from './framing.js';
import {
  BENCH_MARKS_ENABLED,
  BENCH_MARKS_PREFIX,
  benchMark,
  elapsedMs,
  takeBenchMarks,
} from '../bench-marks.js';

export interface HostServerOptions {
  input: Readable;
  output: Writable;
  handlers: CommandHandlers;
  onClose?: () => void;
  /**
   * One line per request: command, outcome, duration. Never parameters or results: they carry
   * PINs, digests and certificates (the browser writes a host's stderr to its own log).
   */
  log?: (line: string) => void;
}

export interface NativeMessagingServer {
  /** An unasked frame to the extension (a WebSocket client's request). */
  notify(event: HostEvent): void;
}

export function serveNativeMessaging({
  input,
  output,
  handlers,
  onClose,
  log = () => undefined,
}: HostServerOptions): NativeMessagingServer {
  const reader = new FrameReader(LIMITS.maxFrameToHostBytes);

  const status = (event: HostStatusEvent) =>
    output.write(encodeFrame(HostStatusEventSchema.parse(event), LIMITS.maxFrameFromHostBytes));

  const send = (response: HostResponse) => {
    let frame: Uint8Array;
    try {
      frame = encodeFrame(response, LIMITS.maxFrameFromHostBytes);
    } catch {
      frame = encodeFrame(
        { id: response.id, ok: false, error: new KysoError('INTERNAL', 'response too large').toWire() },
        LIMITS.maxFrameFromHostBytes,
      );
    }
    output.write(frame);
  };

  const handleFrame = async (frame: Frame) => {
    if (frame.kind === 'error') {
      const error =
        frame.reason === 'oversized'
          ? new KysoError(
              'BAD_REQUEST',
              `frame of ${frame.length} bytes exceeds ${LIMITS.maxFrameToHostBytes}`,
              {
                limit: LIMITS.maxFrameToHostBytes,
              },
            )
          : new KysoError('BAD_REQUEST', 'frame is not UTF-8 JSON');
      send({ id: null, ok: false, error: error.toWire() });
      return;
    }
    benchMark('host:received'); // (the first request's line also carries the start-up's marks)
    const rawId = (frame.value as { id?: unknown } | null)?.id;
    const id = typeof rawId === 'number' && Number.isSafeInteger(rawId) && rawId >= 0 ? rawId : null;
    const started = process.hrtime.bigint();
    let command = 'unknown';
    try {
      const envelope = parseOrBadRequest(HostRequestEnvelopeSchema, frame.value, 'request');
      command = envelope.command;
      const spec = hostCommands[command as HostCommand];
      const params = parseOrBadRequest(spec.params, envelope.params, command);
      benchMark('host:validated');
      const handler = handlers[command as HostCommand] as (
        p: unknown,
        context: RequestContext,
      ) => Promise<unknown>;
      const context: RequestContext = {
        onWaiting: (reason) => {
          log(`${command} waits for its token (${reason})`);
          status({ event: 'request-status', requestId: envelope.id, status: 'waiting-for-token', reason });
        },
      };
      // Our own answers are checked too: a schema drift is a bug to catch here, not in the browser.
      const answer = await handler(params, context);
      benchMark('host:handled');
      const result = spec.result.parse(answer);
      benchMark('host:checked');
      send({ id: envelope.id, ok: true, result });
      benchMark('host:sent');
      log(`${command} ok ${elapsedMs(started).toFixed(1)} ms`);
      if (BENCH_MARKS_ENABLED) log(`${BENCH_MARKS_PREFIX}${command} ${JSON.stringify(takeBenchMarks())}`);
    } catch (error) {
      const wire = toWireError(error);
      send({ id, ok: false, error: wire });
      log(`${command} ${wire.code} ${elapsedMs(started).toFixed(1)} ms`);
      if (BENCH_MARKS_ENABLED) log(`${BENCH_MARKS_PREFIX}${command} ${JSON.stringify(takeBenchMarks())}`);
    }
  };

  input.on('data', (chunk: Buffer) => {
    // Each frame answers for itself (handleFrame catches and writes its error); requests run concurrently.
    for (const frame of reader.push(chunk)) void handleFrame(frame);
  });
  input.on('end', () => onClose?.());
  input.on('error', () => onClose?.());
  // A browser that went away mid-request: the answer has nowhere to go, and that is no crash.
  output.on('error', () => onClose?.());
  return {
    notify: (event) => output.write(encodeFrame(HostEventSchema.parse(event), LIMITS.maxFrameFromHostBytes)),
  };
}
