import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  ConflictError,
  ExpiredError,
  errorFromResponse,
  ForbiddenError,
  InvalidError,
  KubeError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
} from './errors.ts';

const status = (code: number, reason: string, extra: object = {}) =>
  JSON.stringify({
    kind: 'Status',
    status: 'Failure',
    message: `${reason} happened`,
    reason,
    code,
    ...extra,
  });

describe('errorFromResponse', () => {
  it.each([
    [404, 'NotFound', NotFoundError],
    [409, 'AlreadyExists', AlreadyExistsError],
    [409, 'Conflict', ConflictError],
    [403, 'Forbidden', ForbiddenError],
    [401, 'Unauthorized', UnauthorizedError],
    [422, 'Invalid', InvalidError],
    [400, 'BadRequest', InvalidError],
    [410, 'Expired', ExpiredError],
    [429, 'TooManyRequests', UnavailableError],
    [500, 'InternalError', UnavailableError],
    [503, 'ServiceUnavailable', UnavailableError],
    [405, 'MethodNotAllowed', KubeError],
  ])('maps %i %s', (code, reason, type) => {
    const error = errorFromResponse('GET /x', code, status(code, reason));
    expect(error).toBeInstanceOf(type);
    expect(error.constructor).toBe(type);
    expect(error).toMatchObject({ status: code, reason, message: `GET /x: ${reason} happened` });
    expect(error.retryable).toBe(type === UnavailableError);
  });

  it('keeps the field causes of an Invalid answer', () => {
    const causes = [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.refs.org' }];
    expect(errorFromResponse('POST /x', 422, status(422, 'Invalid', { details: { causes } })).causes).toEqual(
      causes,
    );
  });

  it('takes Retry-After from the header, else from the Status details', () => {
    const fromHeader = errorFromResponse(
      'GET /x',
      429,
      status(429, 'TooManyRequests'),
      '2',
    ) as UnavailableError;
    expect(fromHeader.retryAfterMs).toBe(2000);
    const fromBody = errorFromResponse(
      'GET /x',
      503,
      status(503, 'ServiceUnavailable', { details: { retryAfterSeconds: 1 } }),
    ) as UnavailableError;
    expect(fromBody.retryAfterMs).toBe(1000);
  });

  it('copes with a body that is not a Status', () => {
    const error = errorFromResponse('GET /x', 502, '<html>bad gateway</html>');
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toBe('GET /x: <html>bad gateway</html>');
  });
});
