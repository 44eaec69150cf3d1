import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, describeProblem } from './api-error';

describe('describeProblem', () => {
  const problem = {
    title: 'Bad request',
    status: 400,
    detail: 'The document has 2 errors.',
    errors: [
      { field: 'monitors[1].url', message: 'must be a URL', line: 12 },
      { field: 'monitors', message: 'keys must be unique' },
    ],
  };

  it('should name the file and line of each field of a document', () => {
    assert.deepEqual(describeProblem(new ApiError(400, problem).about('uptime.yaml')), [
      'Bad request: The document has 2 errors.',
      '  uptime.yaml:12: monitors[1].url: must be a URL',
      '  uptime.yaml: monitors: keys must be unique',
    ]);
  });

  it('should name the fields alone for a request without a document', () => {
    assert.deepEqual(describeProblem(new ApiError(400, problem)).slice(1), [
      '  monitors[1].url: must be a URL',
      '  monitors: keys must be unique',
    ]);
  });

  it('should fall back on the status when the answer was not problem+json', () => {
    assert.deepEqual(describeProblem(new ApiError(502, {})), ['HTTP 502']);
  });
});
