import { Logger, type PipeTransform } from '@nestjs/common';
import {
  MessagePattern,
  type NatsContext,
  Payload,
  RpcException,
  ServerNats,
  type OutgoingResponse,
  type WritePacket,
} from '@nestjs/microservices';
import {
  decodeKeysetCursor,
  fieldErrorsOf,
  InvalidCursorError,
  invalidCursorProblem,
  jsonShapeErrors,
  type KeysetPosition,
  type ParsedRequest,
  type Problem,
  Problems,
  type ReplyOf,
  requestSchemaOf,
  type RequestSubject,
} from '@uptime/contracts';
import { RateLimitedLog } from '@uptime/health';
import { inSpan, SpanKind } from '@uptime/tracing';
import type { Msg, MsgHdrs, NatsConnection } from 'nats';
import { Counter, type Registry } from 'prom-client';
import type { z } from 'zod';
import { DEFAULT_MAX_PAYLOAD } from './payload-budget';
import { traceContextOf } from './trace-headers';

/** Room left in a reply for the headers NATS adds to the message. */
const HEADER_ROOM_BYTES = 4096;

/** What the asker hears when the answer could not be carried: a problem, never silence. */
export function replyTooLarge(subject: string): Problem {
  return {
    type: '/problems/reply-too-large',
    title: 'Answer too large',
    status: 500,
    detail: `The answer to ${subject} was too large to send over the bus.`,
  };
}

/** Why a reply did not go out as the handler answered it (the counter's `reason` label). */
type Refusal = 'too_large' | 'unreadable_request' | 'unsendable';

/**
 * Nest's NATS transport, for an app that answers requests (replicas share the queue group),
 * with every way a request could end the process closed: a reply larger than the server's
 * max_payload is replaced by a `reply-too-large` problem (Nest's own transport throws it where
 * nothing catches, and the process exits), a request that is not JSON is answered with a 400,
 * and a reply that cannot be written is dropped. Each is counted and logged, rate-limited.
 */
export class NatsResponder extends ServerNats {
  private readonly refused: Counter;
  private readonly refusals = new RateLimitedLog(new Logger(NatsResponder.name));

  constructor(natsUrl: string, queue: string) {
    super({
      servers: [natsUrl],
      queue,
      name: `${queue}-responder`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    // Named per app like every app metric: the single-process platform merges the apps'
    // registries, and a merge refuses two metrics of one name.
    this.refused = new Counter({
      name: `uptime_${queue.replace(/[^A-Za-z0-9_]/g, '_')}_replies_refused_total`,
      help: 'Requests whose reply was not sent as the handler answered it, by subject and reason',
      labelNames: ['subject', 'reason'],
      registers: [],
    });
  }

  /** Adds the refusal counter to the app's Prometheus registry. */
  reportTo(registry: Registry): void {
    registry.registerMetric(this.refused);
  }

  override async handleMessage(channel: string, msg: Msg): Promise<void> {
    try {
      // A request asked within a trace is answered within it; others are not traced.
      if (msg.headers?.has('traceparent')) {
        await inSpan(
          `${msg.subject} process`,
          {
            kind: SpanKind.SERVER,
            parent: traceContextOf(msg.headers),
            attributes: { 'messaging.system': 'nats' },
          },
          () => super.handleMessage(channel, msg),
        );
      } else {
        await super.handleMessage(channel, msg);
      }
    } catch (err) {
      // Only decoding can throw here: Nest answers handler errors itself.
      this.refuse(msg.subject, 'unreadable_request', `unreadable request: ${describe(err)}`);
      // No id could be read; Nest's client takes a reply without one (an empty id) as the answer.
      const problem = Problems.badRequest('The request is not JSON.');
      if (msg.reply) this.reply(msg, { id: '', err: problem, isDisposed: true });
    }
  }

  override getPublisher(msg: Msg, id: string, ctx: NatsContext): (packet: WritePacket) => void {
    if (!msg.reply) return () => undefined;
    return (packet) => {
      this.onProcessingEndHook?.(this.transportId!, ctx);
      this.reply(msg, { ...packet, id });
    };
  }

  /** Replies within the server's limit, or with the problem that says the answer was too large. */
  private reply(msg: Msg, packet: OutgoingResponse): void {
    let outgoing = this.serialize(packet);
    const limit = this.maxPayload() - HEADER_ROOM_BYTES;
    if (outgoing.data.length > limit) {
      this.refuse(
        msg.subject,
        'too_large',
        `reply of ${outgoing.data.length} bytes is above the ${limit} one message carries`,
      );
      const err = replyTooLarge(msg.subject);
      outgoing = this.serialize({ id: packet.id, err, isDisposed: true });
    }
    try {
      msg.respond(outgoing.data, { headers: outgoing.headers });
    } catch (err) {
      this.refuse(msg.subject, 'unsendable', `reply not sent: ${describe(err)}`);
    }
  }

  private serialize(packet: OutgoingResponse): { data: Uint8Array; headers?: MsgHdrs } {
    const serialized: unknown = this.serializer.serialize(packet);
    return serialized as { data: Uint8Array; headers?: MsgHdrs };
  }

  private maxPayload(): number {
    try {
      return this.unwrap<NatsConnection>().info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    } catch {
      return DEFAULT_MAX_PAYLOAD;
    }
  }

  private refuse(subject: string, reason: Refusal, message: string): void {
    this.refused.inc({ subject, reason });
    this.refusals.warn(`${subject}: ${message}`);
  }
}

/** Replies a problem to the asker (the gateway turns it into problem+json). */
export function rpcProblem(problem: Problem): RpcException {
  return new RpcException(problem);
}

/** `found` itself, or the 404 problem reply for `what` ('The status page') when nothing was found. */
export function orNotFound<T>(found: T | null | undefined, what: string): T {
  if (found === null || found === undefined) throw rpcProblem(Problems.notFound(what));
  return found;
}

/**
 * Makes a method the answer to `subject`: Nest routes the subject's requests to it, and its first
 * parameter receives the payload validated on receipt against the subject's request schema in
 * `RequestContracts` (a bad one is answered with a 400 problem). The compiler checks the method
 * against the same contract: its parameter must take the parsed request, its result the reply.
 */
export function Answers<S extends RequestSubject>(subject: S) {
  return <Handler extends (request: ParsedRequest<S>) => ReplyOf<S> | Promise<ReplyOf<S>>>(
    target: object,
    method: string | symbol,
    descriptor: TypedPropertyDescriptor<Handler>,
  ): void => {
    MessagePattern(subject)(target, method, descriptor);
    Payload(new ContractPipe(requestSchemaOf(subject)))(target, method, 0);
  };
}

/** Validates a request payload on receipt against its contract; a bad one is a 400 problem. */
class ContractPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown): z.output<T> {
    // A request that did not come through the gateway's checks still never reaches the database
    // with text it refuses (which would answer 503, not 400).
    const shapeErrors = jsonShapeErrors(value);
    if (shapeErrors.length) throw rpcProblem(Problems.validation(shapeErrors));
    const parsed = this.schema.safeParse(value, { reportInput: true });
    if (parsed.success) return parsed.data;
    throw rpcProblem(Problems.validation(fieldErrorsOf(parsed.error)));
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** A list request's cursor as a position; one no list returned is a 400 problem naming `cursor`. */
export function requestCursor(cursor: string | undefined): KeysetPosition | undefined {
  try {
    return decodeKeysetCursor(cursor);
  } catch (err) {
    if (err instanceof InvalidCursorError) throw rpcProblem(invalidCursorProblem());
    throw err;
  }
}
