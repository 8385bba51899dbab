import { HttpModule, HttpService } from '@nestjs/axios';
import { DynamicModule, Inject, Injectable, Module, OnModuleInit, Provider } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { asyncOptionsProviders } from './chonry-sms.async-options';
import { CHONRY_SMS_DEFAULT_ACCOUNT, CHONRY_SMS_MODULE_OPTIONS } from './chonry-sms.constants';
import type { ChonrySmsModuleAsyncOptions, ChonrySmsModuleExtras, ChonrySmsModuleForRootOptions } from './chonry-sms.module-definition';
import { resolveChonrySmsOptions, ResolvedChonrySmsOptions } from './chonry-sms.options';
import { ChonrySmsService } from './chonry-sms.service';
import { accountName, ChonrySmsAccountTokens, chonrySmsTokens } from './chonry-sms.tokens';
import { ChonrySmsConfigError } from './errors';
import type { ChonrySmsModuleOptions } from './interfaces';
import { ChonrySmsInFlightSends } from './reliability/in-flight-sends';
import { ChonrySmsTransport } from './transport/chonry-sms.transport';

/** The account name a registration's providers read; internal to each registration. */
const CHONRY_SMS_ACCOUNT = 'CHONRY_SMS:ACCOUNT';

/**
 * Fails start-up when two registrations claim one account name: their tokens would collide, and
 * whichever Nest resolved first would silently take the other's sends.
 */
@Injectable()
class ChonrySmsRegistrationCheck implements OnModuleInit {
  constructor(
    @Inject(CHONRY_SMS_ACCOUNT) private readonly account: string,
    private readonly modules: ModulesContainer,
  ) {}

  onModuleInit(): void {
    let registrations = 0;
    for (const module of this.modules.values()) {
      if (module.metatype === ChonrySmsModule && module.providers.get(CHONRY_SMS_ACCOUNT)?.instance === this.account) registrations++;
    }
    if (registrations > 1) {
      throw new ChonrySmsConfigError(
        'name',
        `'${this.account}' is registered ${registrations} times: give each ChonrySmsModule.forRoot…() registration its own name`,
      );
    }
  }
}

/**
 * The instances of one account. The default account registers the classes themselves; a named one
 * registers them under its own tokens only, so that `app.get(ChonrySmsService)` (which searches
 * every module) can only ever find the default account's service.
 */
function accountProviders(account: string, tokens: ChonrySmsAccountTokens): Provider[] {
  const resolved: Provider = {
    provide: tokens.resolvedOptions,
    useFactory: (options: ChonrySmsModuleOptions) => resolveChonrySmsOptions(options, account),
    inject: [CHONRY_SMS_MODULE_OPTIONS],
  };
  if (account === CHONRY_SMS_DEFAULT_ACCOUNT) return [resolved, ChonrySmsTransport, ChonrySmsInFlightSends, ChonrySmsService];
  const inFlight = `CHONRY_SMS:${account}:IN_FLIGHT`;
  return [
    resolved,
    { provide: tokens.options, useExisting: CHONRY_SMS_MODULE_OPTIONS },
    { provide: tokens.transport, useFactory: (http: HttpService, o: ResolvedChonrySmsOptions) => new ChonrySmsTransport(http, o), inject: [HttpService, tokens.resolvedOptions] },
    { provide: inFlight, useFactory: (o: ResolvedChonrySmsOptions) => new ChonrySmsInFlightSends(o), inject: [tokens.resolvedOptions] },
    {
      provide: tokens.service,
      useFactory: (o: ResolvedChonrySmsOptions, t: ChonrySmsTransport, f: ChonrySmsInFlightSends) => new ChonrySmsService(o, t, f),
      inject: [tokens.resolvedOptions, tokens.transport, inFlight],
    },
  ];
}

/**
 * `ChonrySmsModule.forRoot({ accessKey, secret })` or
 * `ChonrySmsModule.forRootAsync({ imports, inject, useFactory | useClass | useExisting, isGlobal })`,
 * each optionally with a `name` for one of several accounts. Every registration is its own module
 * instance with its own options, axios instance and connections, in-flight sends and shutdown.
 * Options are checked when the module starts; a bad one stops start-up with its name.
 */
@Module({})
export class ChonrySmsModule {
  static forRoot(options: ChonrySmsModuleForRootOptions): DynamicModule {
    const { name, isGlobal, extraProviders, ...moduleOptions } = options ?? ({} as ChonrySmsModuleForRootOptions);
    return this.register({ name, isGlobal, extraProviders }, [], [{ provide: CHONRY_SMS_MODULE_OPTIONS, useValue: moduleOptions }]);
  }

  static forRootAsync(options: ChonrySmsModuleAsyncOptions): DynamicModule {
    return this.register(options, options.imports ?? [], asyncOptionsProviders(CHONRY_SMS_MODULE_OPTIONS, options, 'createChonrySmsOptions', 'options'));
  }

  private static register(extras: ChonrySmsModuleExtras, imports: NonNullable<DynamicModule['imports']>, optionProviders: Provider[]): DynamicModule {
    const account = accountName(extras.name);
    const tokens = chonrySmsTokens(account);
    return {
      module: ChonrySmsModule,
      global: extras.isGlobal ?? false,
      // A fresh HttpModule registration: its own axios instance, shared with nothing else.
      imports: [...imports, HttpModule.register({})],
      providers: [
        { provide: CHONRY_SMS_ACCOUNT, useValue: account },
        ...optionProviders,
        ...accountProviders(account, tokens),
        ChonrySmsRegistrationCheck,
        ...(extras.extraProviders ?? []),
      ],
      exports: [tokens.service, tokens.transport, tokens.options, tokens.resolvedOptions],
    };
  }
}

