import { HttpModule } from '@nestjs/axios';
import { ConfigurableModuleBuilder, Provider } from '@nestjs/common';
import { CHONRY_SMS_MODULE_OPTIONS } from './chonry-sms.constants';
import type { ChonrySmsModuleOptions } from './interfaces';

/** Options that shape the module's registration rather than its behaviour. */
export interface ChonrySmsModuleExtras {
  /** Register the module globally, so feature modules need not import it. */
  isGlobal?: boolean;
  /** More providers to register in the module (e.g. what a `useClass` factory needs). */
  extraProviders?: Provider[];
}

export const {
  ConfigurableModuleClass: ChonrySmsConfigurableModule,
  OPTIONS_TYPE: CHONRY_SMS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CHONRY_SMS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ChonrySmsModuleOptions>({
  moduleName: 'ChonrySms',
  optionsInjectionToken: CHONRY_SMS_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createChonrySmsOptions')
  .setExtras<ChonrySmsModuleExtras>({ isGlobal: false, extraProviders: [] }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
    // Each registration gets its own axios instance: nothing leaks to or from the app's HttpModule.
    imports: [...(definition.imports ?? []), HttpModule.register({})],
    providers: [...(definition.providers ?? []), ...(extras.extraProviders ?? [])],
  }))
  .build();
