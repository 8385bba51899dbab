import { Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ModuleRef } from '@nestjs/core';
import { ChonrySmsAccountTokens, chonrySmsTokens } from '../chonry-sms.tokens';
import type { ResolvedChonrySmsOptions } from '../chonry-sms.options';
import { ChonrySmsTransport } from '../transport/chonry-sms.transport';
import {
  CHONRY_SMS_HEALTH_OPTIONS,
  ChonrySmsHealthOptions,
  resolveChonrySmsHealthOptions,
  ResolvedChonrySmsHealthOptions,
} from './chonry-sms-health.options';
import type { ChonrySmsService } from '../chonry-sms.service';
import { BalanceCache, BalanceReading } from './balance-cache';
import { GatewayProbe, GatewayProbeResult } from './gateway-probe';

/**
 * Terminus indicator for the SMS path. Down when the gateway does not answer HTTP within the
 * timeout, or when the last `failureThreshold` sends all failed in transport; up again after a
 * success. Provider rejections (a non-zero `code`) do not count: the gateway answered. It never
 * throws, never waits past its timeout, and reports no credential.
 */
const accountLabel = (account: string | undefined) => String(account ?? 'default').slice(0, 64);

@Injectable()
export class ChonrySmsHealthIndicator implements OnModuleDestroy {
  private readonly options: ResolvedChonrySmsHealthOptions;
  private readonly gateway = new GatewayProbe();
  private readonly balances: BalanceCache;

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(CHONRY_SMS_HEALTH_OPTIONS) options?: ChonrySmsHealthOptions,
  ) {
    this.options = resolveChonrySmsHealthOptions(options);
    this.balances = new BalanceCache(this.options.balanceCacheTtl);
  }

  /**
   * Checks one account: the default one, or `{ account: 'marketing' }` for
   * `ChonrySmsModule.forRoot({ name: 'marketing' })`. An account that is not registered is `down`.
   */
  async isHealthy(key = 'chonry-sms', { account }: { account?: string } = {}): Promise<HealthIndicatorResult> {
    const session = this.health.check(key);
    try {
      const found = this.accountOf(account);
      if (!found) return session.down({ message: `no ChonrySmsModule registration for the account '${accountLabel(account)}'` });
      const { transport, smsOptions, service } = found;
      const { timeout, failureThreshold, probe, minBalance } = this.options;
      const [gateway, balance]: [GatewayProbeResult | undefined, BalanceReading | undefined] = await Promise.all([
        probe ? this.gateway.probe(`${smsOptions.baseUrl}/`, timeout) : undefined,
        minBalance === undefined ? undefined : this.balances.read(smsOptions.account, service, timeout),
      ]);
      const record = transport.record;
      const details = {
        account: smsOptions.account,
        gateway: { url: smsOptions.baseUrl, ...(gateway ?? { probed: false }) },
        sends: {
          consecutiveFailures: record.consecutiveFailures,
          failureThreshold,
          lastSuccessAt: record.lastSuccessAt?.toISOString() ?? null,
          lastFailure: record.lastFailure
            ? { kind: record.lastFailure.kind, delivery: record.lastFailure.delivery, at: record.lastFailure.at.toISOString() }
            : null,
          lastLatencyMs: record.lastLatencyMs === undefined ? null : Math.round(record.lastLatencyMs),
        },
        ...(balance ? { balance: { minBalance, ...balance } } : {}),
      };
      const problems: string[] = [];
      if (gateway && !gateway.reachable) problems.push(`gateway unreachable: ${gateway.error}`);
      if (record.consecutiveFailures >= failureThreshold) {
        problems.push(`the last ${record.consecutiveFailures} sends failed (last: ${record.lastFailure?.kind ?? 'unknown'})`);
      }
      // A balance that could not be read is a detail, not a verdict: sends may still work.
      if (balance?.internationalSms !== undefined && minBalance !== undefined && balance.internationalSms < minBalance) {
        problems.push(`the international SMS balance ${balance.internationalSms} is below minBalance ${minBalance}`);
      }
      return problems.length > 0 ? session.down({ message: problems.join('; '), ...details }) : session.up(details);
    } catch {
      // Only a bug could land here; a health check must still answer.
      return session.down({ message: 'the SMS health check failed unexpectedly' });
    }
  }

  /** The account's transport and options, looked up in the whole application (any module, global or not). */
  private accountOf(account: string | undefined): { transport: ChonrySmsTransport; smsOptions: ResolvedChonrySmsOptions; service: ChonrySmsService } | undefined {
    let tokens: ChonrySmsAccountTokens;
    try {
      tokens = chonrySmsTokens(account);
    } catch {
      return undefined;
    }
    try {
      return {
        transport: this.moduleRef.get<ChonrySmsTransport>(tokens.transport, { strict: false }),
        smsOptions: this.moduleRef.get<ResolvedChonrySmsOptions>(tokens.resolvedOptions, { strict: false }),
        service: this.moduleRef.get<ChonrySmsService>(tokens.service, { strict: false }),
      };
    } catch {
      return undefined;
    }
  }

  onModuleDestroy(): void {
    this.gateway.destroy();
  }
}
