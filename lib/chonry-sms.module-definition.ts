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

const {
  ConfigurableModuleClass: ChonrySmsConfigurableModule,
  OPTIONS_TYPE: _optionsType,
  ASYNC_OPTIONS_TYPE: _asyncOptionsType,
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

export { ChonrySmsConfigurableModule };
// The builder's OPTIONS_TYPE values throw on any property access: exported as types only.
export type CHONRY_SMS_OPTIONS_TYPE = typeof _optionsType;
export type CHONRY_SMS_ASYNC_OPTIONS_TYPE = typeof _asyncOptionsType;
