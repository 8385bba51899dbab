import { Logger, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ChonrySmsModuleOptions } from 'nestjs-chonry-sms';
// A static import: from CommonJS, `await import()` would load the package's ES-module build, a
// second copy of its classes beside the one the rest of the app requires (README, Test runners).
import { ChonrySmsSandbox } from 'nestjs-chonry-sms/testing';

type Env = (key: string) => string | undefined;

/** `true` when no credentials are configured (the sample then runs against a sandbox). */
export function sandboxWanted(env: Env): boolean {
  const accessKey = env('CHONRY_ACCESS_KEY');
  const secret = env('CHONRY_SECRET');
  if (!accessKey !== !secret) {
    // Half a configuration is a mistake, not a request for the sandbox.
    throw new Error(`Set both CHONRY_ACCESS_KEY and CHONRY_SECRET, or neither (for the sandbox); only ${accessKey ? 'CHONRY_ACCESS_KEY' : 'CHONRY_SECRET'} is set`);
  }
  return !accessKey;
}

export const SANDBOX_NOTICE =
  'No CHONRY_ACCESS_KEY / CHONRY_SECRET configured: running against an in-process SANDBOX gateway. ' +
  'Nothing is really sent; GET /sandbox/messages shows what would have been delivered.';

/** The in-process sandbox, when the app runs without credentials; closed with the app. */
export class SandboxGateway implements OnModuleDestroy, OnApplicationShutdown {
  private constructor(readonly sandbox: ChonrySmsSandbox | undefined) {}

  static async fromConfig(config: ConfigService): Promise<SandboxGateway> {
    if (!sandboxWanted((key) => config.get<string>(key))) return new SandboxGateway(undefined);
    const sandbox = new ChonrySmsSandbox();
    await sandbox.start();
    new Logger('Sandbox').warn(`Sandbox gateway listening on ${sandbox.url}`);
    return new SandboxGateway(sandbox);
  }

  /** Module options pointing at the sandbox with the credentials it accepts. */
  moduleOptions(): Pick<ChonrySmsModuleOptions, 'accessKey' | 'secret' | 'baseUrl' | 'apiBaseUrl'> {
    if (!this.sandbox) throw new Error('not in sandbox mode');
    return { ...this.sandbox.credentials, baseUrl: this.sandbox.url, apiBaseUrl: this.sandbox.url };
  }

  async onModuleDestroy(): Promise<void> {
    await this.sandbox?.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sandbox?.close();
  }
}
