import { DynamicModule, Injectable, InjectionToken, Module, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { CHONRY_SMS_DEFAULT_ACCOUNT } from '../chonry-sms.constants';
import { accountName } from '../chonry-sms.tokens';
import { ChonrySmsModule } from '../chonry-sms.module';
import type { ChonrySmsModuleOptions } from '../interfaces';
import { ChonrySmsSandbox, ChonrySmsSandboxOptions } from './chonry-sms.sandbox';

/** What `ChonrySmsTestingModule.forRoot()` takes: module options to override, and the sandbox's own. */
export interface ChonrySmsTestingOptions extends Partial<ChonrySmsModuleOptions> {
  /**
   * The account, as `ChonrySmsModule.forRoot({ name })`: its service is `@InjectChonrySms(name)` and
   * its own sandbox `@Inject(getChonrySmsSandboxToken(name))`. Without one, the default account and
   * plain `ChonrySmsSandbox`.
   */
  name?: string;
  /** Options of the sandbox started for this module (credentials default to the module's). */
  sandbox?: ChonrySmsSandboxOptions;
  /** Register globally, like `ChonrySmsModule.forRoot({ isGlobal: true })`. */
  isGlobal?: boolean;
}

/** Closes the module's sandbox when the application closes. */
@Injectable()
class ChonrySmsSandboxCloser implements OnModuleDestroy, OnApplicationShutdown {
  constructor(private readonly sandbox: ChonrySmsSandbox) {}

  async onModuleDestroy(): Promise<void> {
    await this.sandbox.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sandbox.close();
  }
}

@Module({})
class ChonrySmsSandboxHostModule {}

/** The token of the sandbox of `ChonrySmsTestingModule.forRoot({ name })`: `ChonrySmsSandbox` itself without a name. */
export function getChonrySmsSandboxToken(name?: string): InjectionToken {
  const account = accountName(name);
  return account === CHONRY_SMS_DEFAULT_ACCOUNT ? ChonrySmsSandbox : `CHONRY_SMS:${account}:SANDBOX`;
}

/**
 * `ChonrySmsModule` wired to a fresh `ChonrySmsSandbox`: the sandbox starts when the module is
 * created and closes with the application; inject `ChonrySmsSandbox` to fault it or read what it got.
 */
@Module({})
export class ChonrySmsTestingModule {
  static forRoot(options: ChonrySmsTestingOptions = {}): DynamicModule {
    const { sandbox: sandboxOptions, isGlobal, name, ...overrides } = options;
    const sandboxToken = getChonrySmsSandboxToken(name);
    // One object, imported twice below: Nest keys dynamic modules by reference, so both share it.
    const host: DynamicModule = {
      module: ChonrySmsSandboxHostModule,
      providers: [
        {
          // Under the account's own token only: a named account's sandbox is never `ChonrySmsSandbox`.
          provide: sandboxToken,
          useFactory: async () => {
            const sandbox = new ChonrySmsSandbox({
              accessKey: overrides.accessKey,
              secret: overrides.secret,
              ...sandboxOptions,
            });
            await sandbox.start();
            return sandbox;
          },
        },
        { provide: ChonrySmsSandboxCloser, useFactory: (sandbox: ChonrySmsSandbox) => new ChonrySmsSandboxCloser(sandbox), inject: [sandboxToken] },
      ],
      exports: [sandboxToken],
    };
    const sms = ChonrySmsModule.forRootAsync({
      name,
      imports: [host],
      inject: [sandboxToken],
      useFactory: (sandbox: ChonrySmsSandbox): ChonrySmsModuleOptions => ({
        ...sandbox.credentials,
        ...overrides,
        baseUrl: overrides.baseUrl ?? sandbox.url,
        apiBaseUrl: overrides.apiBaseUrl ?? sandbox.url,
      }),
    });
    return {
      module: ChonrySmsTestingModule,
      global: isGlobal ?? false,
      imports: [host, sms],
      exports: [host, sms],
    };
  }
}
