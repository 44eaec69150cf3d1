import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Observable } from 'rxjs';
import { UnitOfWork } from './unit-of-work';

/**
 * Gives every handled message (and HTTP request) an identity map of its own, so two concurrent
 * requests never see each other's entities and handlers need no ORM decorator. Registered once per
 * app as `APP_INTERCEPTOR`; the ORM refuses its global context, so a handler that escaped this
 * would fail loudly rather than share state.
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  constructor(private readonly work: UnitOfWork) {}

  intercept<T>(_context: ExecutionContext, next: CallHandler<T>): Observable<T> {
    // Subscribing inside the context starts the handler there; its async continuations keep it.
    return new Observable<T>((subscriber) =>
      this.work.withOwnIdentityMap(() => next.handle().subscribe(subscriber)),
    );
  }
}
