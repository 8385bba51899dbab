import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { ChonrySmsModule } from '../chonry-sms.module';
import type { ChonrySmsModuleOptions } from '../interfaces';
import { ChonrySmsSandbox, ChonrySmsSandboxOptions } from './chonry-sms.sandbox';

/** What `ChonrySmsTestingModule.forRoot()` takes: module options to override, and the sandbox's own. */
export interface ChonrySmsTestingOptions extends Partial<ChonrySmsModuleOptions> {
  /** Options of the sandbox started for this module (credentials default to the module's). */
  sandbox?: ChonrySmsSandboxOptions;
  /** Register globally, like `ChonrySmsModule.forRoot({ isGlobal: true })`. */
  isGlobal?: boolean;
}

/** Closes the module's sandbox when the application closes. */
@Injectable()
class ChonrySmsSandboxCloser implements OnModuleDestroy, OnApplicationShutdown {
  constructor(@Inject(ChonrySmsSandbox) private readonly sandbox: ChonrySmsSandbox) {}

  async onModuleDestroy(): Promise<void> {
    await this.sandbox.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sandbox.close();
  }
}

@Module({})
class ChonrySmsSandboxHostModule {}

/**
 * `ChonrySmsModule` wired to a fresh `ChonrySmsSandbox`: the sandbox starts when the module is
 * created and closes with the application; inject `ChonrySmsSandbox` to fault it or read what it got.
 */
@Module({})
export class ChonrySmsTestingModule {
  static forRoot(options: ChonrySmsTestingOptions = {}): DynamicModule {
    const { sandbox: sandboxOptions, isGlobal, ...overrides } = options;
    // One object, imported twice below: Nest keys dynamic modules by reference, so both share it.
    const host: DynamicModule = {
      module: ChonrySmsSandboxHostModule,
      providers: [
        {
          provide: ChonrySmsSandbox,
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
        ChonrySmsSandboxCloser,
      ],
      exports: [ChonrySmsSandbox],
    };
    const sms = ChonrySmsModule.forRootAsync({
      imports: [host],
      inject: [ChonrySmsSandbox],
      useFactory: (sandbox: ChonrySmsSandbox): ChonrySmsModuleOptions => ({
        ...sandbox.credentials,
        ...overrides,
        baseUrl: overrides.baseUrl ?? sandbox.url,
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
