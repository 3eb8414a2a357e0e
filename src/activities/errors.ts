import { ApplicationFailure } from '@temporalio/common';

/** A failure that retrying cannot fix: the input itself is wrong. Workflows list this type as non-retryable. */
export function invalidInput(message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: 'InvalidInputError',
    nonRetryable: true,
    details: details === undefined ? undefined : [details],
  });
}

/** A failure that retrying cannot fix: the worker's machine lacks a tool or setting; the message says what to do. */
export function misconfigured(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: 'ConfigurationError', nonRetryable: true });
}
