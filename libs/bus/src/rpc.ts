import { type PipeTransform } from '@nestjs/common';
import { type MicroserviceOptions, RpcException, Transport } from '@nestjs/microservices';
import { type Problem, Problems, fieldErrorsOf, jsonShapeErrors } from '@uptime/contracts';
import type { z } from 'zod';

/** Options for an app that answers requests: replicas share the queue group. */
export function natsResponderOptions(natsUrl: string, queue: string): MicroserviceOptions {
  return {
    transport: Transport.NATS,
    options: {
      servers: [natsUrl],
      queue,
      name: `${queue}-responder`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    },
  };
}

/** Replies a problem to the asker (the gateway turns it into problem+json). */
export function rpcProblem(problem: Problem): RpcException {
  return new RpcException(problem);
}

/** Validates a request payload on receipt against its contract; a bad one is a 400 problem. */
export class ContractPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
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
