import { ConfigurableModuleBuilder, Module, ModuleMetadata } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ChonrySmsHealthIndicator } from './chonry-sms-health.indicator';
import { CHONRY_SMS_HEALTH_OPTIONS, ChonrySmsHealthOptions } from './chonry-sms-health.options';

export interface ChonrySmsHealthModuleExtras {
  /** The `ChonrySmsModule` registration to check, when it is not registered with `isGlobal`. */
  imports?: ModuleMetadata['imports'];
}

const {
  ConfigurableModuleClass: ChonrySmsHealthConfigurableModule,
  OPTIONS_TYPE: _optionsType,
  ASYNC_OPTIONS_TYPE: _asyncOptionsType,
} = new ConfigurableModuleBuilder<ChonrySmsHealthOptions>({
  moduleName: 'ChonrySmsHealth',
  optionsInjectionToken: CHONRY_SMS_HEALTH_OPTIONS,
})
  .setClassMethodName('register')
  .setFactoryMethodName('createChonrySmsHealthOptions')
  .setExtras<ChonrySmsHealthModuleExtras>({ imports: [] }, (definition, extras) => ({
    ...definition,
    imports: [...(definition.imports ?? []), TerminusModule, ...(extras.imports ?? [])],
  }))
  .build();

export { ChonrySmsHealthConfigurableModule };
// The builder's OPTIONS_TYPE values throw on any property access: exported as types only.
export type CHONRY_SMS_HEALTH_OPTIONS_TYPE = typeof _optionsType;
export type CHONRY_SMS_HEALTH_ASYNC_OPTIONS_TYPE = typeof _asyncOptionsType;

/**
 * `ChonrySmsHealthModule.register({ timeout, failureThreshold, probe })` (or `registerAsync`)
 * provides `ChonrySmsHealthIndicator` for your terminus health controller.
 */
@Module({
  providers: [ChonrySmsHealthIndicator],
  exports: [ChonrySmsHealthIndicator],
})
export class ChonrySmsHealthModule extends ChonrySmsHealthConfigurableModule {}
