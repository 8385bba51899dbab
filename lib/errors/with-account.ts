import { ChonrySmsError } from './chonry-sms.errors';

/**
 * Names the account an error belongs to: sets `account`, and for a named account puts it
 * at the head of the message (and of the stack's first line). The first account set stays.
 * Not exported from any entry point.
 */
export function withAccount<E extends ChonrySmsError>(err: E, account: string): E {
  if (err.account !== undefined) return err;
  Object.defineProperty(err, 'account', { value: account, enumerable: true, configurable: true });
  if (account !== 'default') {
    const plain = err.message;
    err.message = `Account '${account}': ${plain}`;
    if (typeof err.stack === 'string') err.stack = err.stack.replace(plain, err.message);
  }
  return err;
}
