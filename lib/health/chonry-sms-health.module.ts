import { ConfigurableModuleBuilder, Module, ModuleMetadata } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ChonrySmsHealthIndicator } from './chonry-sms-health.indicator';
import { CHONRY_SMS_HEALTH_OPTIONS, ChonrySmsHealthOptions } from './chonry-sms-health.options';

export interface ChonrySmsHealthModuleExtras {
  /** The `ChonrySmsModule` registration to check, when it is not registered with `isGlobal`. */
  imports?: ModuleMetadata['imports'];
}

export const {
  ConfigurableModuleClass: ChonrySmsHealthConfigurableModule,
  OPTIONS_TYPE: CHONRY_SMS_HEALTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CHONRY_SMS_HEALTH_ASYNC_OPTIONS_TYPE,
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

/**
 * `ChonrySmsHealthModule.register({ timeout, failureThreshold, probe })` (or `registerAsync`)
 * provides `ChonrySmsHealthIndicator` for your terminus health controller.
 */
@Module({
  providers: [ChonrySmsHealthIndicator],
  exports: [ChonrySmsHealthIndicator],
})
export class ChonrySmsHealthModule extends ChonrySmsHealthConfigurableModule {}
