import type { ModuleMetadata, Provider, Type } from '@nestjs/common';
import type { AsyncOptionsSource } from './chonry-sms.async-options';
import type { ChonrySmsModuleOptions } from './interfaces';

/** Options that shape the module's registration rather than its behaviour. */
export interface ChonrySmsModuleExtras {
  /**
   * The account this registration is for, when the application has several (`'marketing'`): inject
   * its service with `@InjectChonrySms('marketing')`. Without one, the default account, injected as
   * plain `ChonrySmsService`. Given next to `useFactory`, never by it: it shapes the module's tokens.
   */
  name?: string;
  /** Register the module globally, so feature modules need not import it. */
  isGlobal?: boolean;
  /** More providers to register in the module (e.g. what a `useClass` factory needs). */
  extraProviders?: Provider[];
}

/** A class that builds the module's options, for `forRootAsync({ useClass })` / `useExisting`. */
export interface ChonrySmsOptionsFactory {
  createChonrySmsOptions(): ChonrySmsModuleOptions | Promise<ChonrySmsModuleOptions>;
}

/** What `ChonrySmsModule.forRoot()` takes. */
export type ChonrySmsModuleForRootOptions = ChonrySmsModuleOptions & ChonrySmsModuleExtras;

/** What `ChonrySmsModule.forRootAsync()` takes. */
export interface ChonrySmsModuleAsyncOptions
  extends ChonrySmsModuleExtras,
    Pick<ModuleMetadata, 'imports'>,
    Omit<AsyncOptionsSource<ChonrySmsModuleOptions>, 'useClass'> {
  useClass?: Type<ChonrySmsOptionsFactory>;
}

/** The names these types had when the module was built with Nest's ConfigurableModuleBuilder. */
export type CHONRY_SMS_OPTIONS_TYPE = ChonrySmsModuleForRootOptions;
export type CHONRY_SMS_ASYNC_OPTIONS_TYPE = ChonrySmsModuleAsyncOptions;
