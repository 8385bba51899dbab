import type { FactoryProvider, InjectionToken, Provider, Type } from '@nestjs/common';
import { ChonrySmsConfigError } from './errors';

/** Where `forRootAsync()` gets its options from: a factory, or a class with a factory method. */
export interface AsyncOptionsSource<T> {
  useFactory?: (...args: any[]) => T | Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
  inject?: FactoryProvider['inject'];
  useClass?: Type<unknown>;
  useExisting?: InjectionToken;
}

/**
 * The providers that put `forRootAsync()`'s options under `token`: the one reading of
 * `useFactory` / `useClass` / `useExisting` behind every module of this package.
 */
export function asyncOptionsProviders<T>(token: InjectionToken, source: AsyncOptionsSource<T>, factoryMethod: string, option: string): Provider[] {
  if (source.useFactory) return [{ provide: token, useFactory: source.useFactory, inject: source.inject ?? [] }];
  const factory = source.useClass ?? source.useExisting;
  if (!factory) throw new ChonrySmsConfigError(option, 'forRootAsync needs useFactory, useClass or useExisting');
  return [
    ...(source.useClass ? [{ provide: source.useClass, useClass: source.useClass }] : []),
    {
      provide: token,
      useFactory: (f: Record<string, () => T | Promise<T>>) => {
        if (typeof f?.[factoryMethod] !== 'function') throw new ChonrySmsConfigError(option, `the useClass/useExisting provider has no ${factoryMethod}() method`);
        return f[factoryMethod]();
      },
      inject: [factory],
    },
  ];
}
