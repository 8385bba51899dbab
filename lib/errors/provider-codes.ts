/**
 * Meanings of the provider's `code` values, collected from independent public clients (no
 * official list exists). Unknown codes still surface with the provider's own `msg`.
 */
export const CHONRY_ERROR_CODES: Readonly<Record<string, string>> = Object.freeze({
  '9001': 'sign format wrong',
  '9002': 'a parameter is missing',
  '9003': 'mobile number format wrong',
  '9006': 'accesskey wrong',
  '9007': 'IP not on the allow-list',
  '9009': 'content parameter wrong',
  '9010': 'balance insufficient',
  '9011': 'account abnormal',
  '9012': 'date/time format wrong',
  '9014': 'too many numbers',
  '9015': 'country not supported',
  '9016': 'sign / sign id invalid',
  '9017': 'templateId invalid',
  '9018': 'each variable must be 1-20 characters',
  '9019': 'content empty',
  '9022': 'mobile empty',
  '9023': 'number blacklisted',
  '9024': 'number over its frequency limit',
  '10001': 'sensitive word',
  '10002': 'blocked word',
  '10003': 'scheduled time wrong',
  '10006': 'template and content do not match',
});

export function describeProviderCode(code: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(CHONRY_ERROR_CODES, code)
    ? CHONRY_ERROR_CODES[code]
    : undefined;
}
