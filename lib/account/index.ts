export * from './account.interfaces';
export * from './parse-account';
