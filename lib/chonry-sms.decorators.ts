import { Inject } from '@nestjs/common';
import { CHONRY_SMS_MODULE_OPTIONS, CHONRY_SMS_RESOLVED_OPTIONS } from './chonry-sms.constants';

/** Injects the options object the module was configured with. */
export const InjectChonrySmsOptions = (): ParameterDecorator & PropertyDecorator =>
  Inject(CHONRY_SMS_MODULE_OPTIONS);

/** Injects the checked options with defaults applied (`ResolvedChonrySmsOptions`). */
export const InjectChonrySmsResolvedOptions = (): ParameterDecorator & PropertyDecorator =>
  Inject(CHONRY_SMS_RESOLVED_OPTIONS);

export const getChonrySmsOptionsToken = (): string => CHONRY_SMS_MODULE_OPTIONS;
