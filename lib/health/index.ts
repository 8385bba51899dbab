// The only part of the package that imports @nestjs/terminus (an optional peer).
export * from './chonry-sms-health.indicator';
export * from './chonry-sms-health.module';
export * from './chonry-sms-health.options';
export { GatewayProbeResult } from './gateway-probe';
