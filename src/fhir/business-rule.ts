import { OperationOutcomeError } from '@medplum/core';
import { type Message, messageOutcome } from '../messages/message';

/**
 * A broken business rule: 422 with the outcome id `unprocessable` (the HTTP layer maps it), the
 * rule's coded message (src/messages) and the path it concerns. Nothing is stored.
 */
export function refuse(m: Message, expression?: string): never {
  throw new OperationOutcomeError(messageOutcome(m, 'business-rule', expression, 'unprocessable'));
}
