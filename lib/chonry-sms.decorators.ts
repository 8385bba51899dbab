import { Inject } from '@nestjs/common';
import { chonrySmsTokens, getChonrySmsServiceToken } from './chonry-sms.tokens';

/** Injects the `ChonrySmsService` of the account registered as `name` (the default account without one). */
export const InjectChonrySms = (name?: string): ParameterDecorator & PropertyDecorator => Inject(getChonrySmsServiceToken(name));

/** Injects the options object the module was configured with (of the account `name`). */
export const InjectChonrySmsOptions = (name?: string): ParameterDecorator & PropertyDecorator => Inject(chonrySmsTokens(name).options);

/** Injects the checked options with defaults applied (`ResolvedChonrySmsOptions`) of the account `name`. */
export const InjectChonrySmsResolvedOptions = (name?: string): ParameterDecorator & PropertyDecorator =>
  Inject(chonrySmsTokens(name).resolvedOptions);

/** The injection token of the options object of the account `name`. */
export const getChonrySmsOptionsToken = (name?: string): string => chonrySmsTokens(name).options;

export { getChonrySmsServiceToken };
