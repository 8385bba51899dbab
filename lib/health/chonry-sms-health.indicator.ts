import { Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { CHONRY_SMS_RESOLVED_OPTIONS } from '../chonry-sms.constants';
import type { ResolvedChonrySmsOptions } from '../chonry-sms.options';
import { ChonrySmsTransport } from '../transport/chonry-sms.transport';
import {
  CHONRY_SMS_HEALTH_OPTIONS,
  ChonrySmsHealthOptions,
  resolveChonrySmsHealthOptions,
  ResolvedChonrySmsHealthOptions,
} from './chonry-sms-health.options';
import { GatewayProbe, GatewayProbeResult } from './gateway-probe';

/**
 * Terminus indicator for the SMS path. Down when the gateway does not answer HTTP within the
 * timeout, or when the last `failureThreshold` sends all failed in transport; up again after a
 * success. Provider rejections (a non-zero `code`) do not count: the gateway answered. It never
 * throws, never waits past its timeout, and reports no credential.
 */
@Injectable()
export class ChonrySmsHealthIndicator implements OnModuleDestroy {
  private readonly options: ResolvedChonrySmsHealthOptions;
  private readonly gateway = new GatewayProbe();

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly transport: ChonrySmsTransport,
    @Inject(CHONRY_SMS_RESOLVED_OPTIONS) private readonly smsOptions: ResolvedChonrySmsOptions,
    @Optional() @Inject(CHONRY_SMS_HEALTH_OPTIONS) options?: ChonrySmsHealthOptions,
  ) {
    this.options = resolveChonrySmsHealthOptions(options);
  }

  async isHealthy(key = 'chonry-sms'): Promise<HealthIndicatorResult> {
    const session = this.health.check(key);
    try {
      const { timeout, failureThreshold, probe } = this.options;
      const gateway: GatewayProbeResult | undefined = probe
        ? await this.gateway.probe(`${this.smsOptions.baseUrl}/`, timeout)
        : undefined;
      const record = this.transport.record;
      const details = {
        gateway: { url: this.smsOptions.baseUrl, ...(gateway ?? { probed: false }) },
        sends: {
          consecutiveFailures: record.consecutiveFailures,
          failureThreshold,
          lastSuccessAt: record.lastSuccessAt?.toISOString() ?? null,
          lastFailure: record.lastFailure
            ? { kind: record.lastFailure.kind, delivery: record.lastFailure.delivery, at: record.lastFailure.at.toISOString() }
            : null,
          lastLatencyMs: record.lastLatencyMs === undefined ? null : Math.round(record.lastLatencyMs),
        },
      };
      const problems: string[] = [];
      if (gateway && !gateway.reachable) problems.push(`gateway unreachable: ${gateway.error}`);
      if (record.consecutiveFailures >= failureThreshold) {
        problems.push(`the last ${record.consecutiveFailures} sends failed (last: ${record.lastFailure?.kind ?? 'unknown'})`);
      }
      return problems.length > 0 ? session.down({ message: problems.join('; '), ...details }) : session.up(details);
    } catch {
      // Only a bug could land here; a health check must still answer.
      return session.down({ message: 'the SMS health check failed unexpectedly' });
    }
  }

  onModuleDestroy(): void {
    this.gateway.destroy();
  }
}
