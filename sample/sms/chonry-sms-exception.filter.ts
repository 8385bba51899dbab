import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ChonrySmsApiError, ChonrySmsError, ChonrySmsTransportError, ChonrySmsValidationError } from 'nestjs-chonry-sms';

/**
 * Maps the module's errors to HTTP answers (copy it into your app):
 * - invalid input → 400 with every field problem;
 * - the provider rejected the request → 502 with its code and meaning (nothing was sent);
 * - the exchange failed → 504 for a timeout, 503 otherwise, saying whether the SMS may have gone out.
 * Platform-agnostic (Express or Fastify) through the HTTP adapter.
 */
@Catch(ChonrySmsError)
export class ChonrySmsExceptionFilter implements ExceptionFilter<ChonrySmsError> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: ChonrySmsError, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const [status, body] = toHttp(error);
    httpAdapter.reply(host.switchToHttp().getResponse(), { statusCode: status, ...body }, status);
  }
}

function toHttp(error: ChonrySmsError): [number, Record<string, unknown>] {
  if (error instanceof ChonrySmsValidationError) {
    return [
      HttpStatus.BAD_REQUEST,
      { error: 'Bad Request', message: error.problems.map((p) => `${p.path}: ${p.message}`), problems: error.problems },
    ];
  }
  if (error instanceof ChonrySmsApiError) {
    return [
      HttpStatus.BAD_GATEWAY,
      {
        error: 'Bad Gateway',
        message: error.message,
        code: error.code,
        meaning: error.meaning ?? null,
        providerMessage: error.providerMessage,
        delivery: error.delivery,
        mayHaveBeenSent: false,
      },
    ];
  }
  if (error instanceof ChonrySmsTransportError) {
    const timeout = error.kind === 'timeout';
    return [
      timeout ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.SERVICE_UNAVAILABLE,
      {
        error: timeout ? 'Gateway Timeout' : 'Service Unavailable',
        // The message says in words whether a retry may send the SMS twice.
        message: error.message,
        kind: error.kind,
        delivery: error.delivery,
        mayHaveBeenSent: error.delivery === 'unknown',
      },
    ];
  }
  // Configuration errors and anything newer: a server-side problem; never echo details blindly.
  return [HttpStatus.INTERNAL_SERVER_ERROR, { error: 'Internal Server Error', message: error.name, delivery: error.delivery }];
}
