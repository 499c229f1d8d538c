import { describe, expect, it } from 'vitest';
import {
  errorFromResponse,
  KubeAlreadyExistsError,
  KubeConflictError,
  KubeError,
  KubeExpiredError,
  KubeForbiddenError,
  KubeInvalidError,
  KubeNotFoundError,
  KubeUnauthorizedError,
  KubeUnavailableError,
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
    [404, 'NotFound', KubeNotFoundError],
    [409, 'AlreadyExists', KubeAlreadyExistsError],
    [409, 'Conflict', KubeConflictError],
    [403, 'Forbidden', KubeForbiddenError],
    [401, 'Unauthorized', KubeUnauthorizedError],
    [422, 'Invalid', KubeInvalidError],
    [400, 'BadRequest', KubeInvalidError],
    [410, 'Expired', KubeExpiredError],
    [429, 'TooManyRequests', KubeUnavailableError],
    [500, 'InternalError', KubeUnavailableError],
    [503, 'ServiceUnavailable', KubeUnavailableError],
    [405, 'MethodNotAllowed', KubeError],
  ])('maps %i %s', (code, reason, type) => {
    const error = errorFromResponse('GET /x', code, status(code, reason));
    expect(error).toBeInstanceOf(type);
    expect(error.constructor).toBe(type);
    expect(error).toMatchObject({ status: code, reason, message: `GET /x: ${reason} happened` });
    expect(error.retryable).toBe(type === KubeUnavailableError);
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
    ) as KubeUnavailableError;
    expect(fromHeader.retryAfterMs).toBe(2000);
    const fromBody = errorFromResponse(
      'GET /x',
      503,
      status(503, 'ServiceUnavailable', { details: { retryAfterSeconds: 1 } }),
    ) as KubeUnavailableError;
    expect(fromBody.retryAfterMs).toBe(1000);
  });

  it('copes with a body that is not a Status', () => {
    const error = errorFromResponse('GET /x', 502, '<html>bad gateway</html>');
    expect(error).toBeInstanceOf(KubeUnavailableError);
    expect(error.message).toBe('GET /x: <html>bad gateway</html>');
  });
});
