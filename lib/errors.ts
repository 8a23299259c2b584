import { ApplicationFailure } from '@temporalio/common';

export interface FieldError {
  path: string;
  message: string;
  code: string;
}

/** The one error type handlers throw; the error middleware renders it as problem+json. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: { errors?: FieldError[] } & Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string): AppError => new AppError(404, 'not_found', `${what} not found`);
export const conflict = (code: string, message: string, details?: Record<string, unknown>): AppError =>
  new AppError(409, code, message, details);
export const unprocessable = (code: string, message: string, details?: Record<string, unknown>): AppError =>
  new AppError(422, code, message, details);
export const forbidden = (code: string, message: string): AppError => new AppError(403, code, message);

/**
 * What an activity throws for an error: a business rejection (an AppError) becomes a non-retryable
 * failure carrying its code, since waiting will not change the answer; anything else stays retryable.
 */
export function activityFailure(err: unknown): unknown {
  return err instanceof AppError ? ApplicationFailure.nonRetryable(err.message, err.code) : err;
}
