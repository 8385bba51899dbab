export * from './problem';
export * from './mobile';
export * from './variables';
export * from './messages';
export * from './schedule-time';
export * from './short-text';
export * from './string-methods';
