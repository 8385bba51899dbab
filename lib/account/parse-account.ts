import { ChonrySmsTransportError } from '../errors';
import { parseProviderTime } from '../validation';
import type {
  ChonrySmsBalance,
  ChonrySmsDeliveryReport,
  ChonrySmsReviewStatus,
  ChonrySmsSign,
  ChonrySmsTemplate,
  ChonrySmsTemplateCategory,
} from './account.interfaces';

/**
 * Pure readers of the `data` of the provider's account replies (the envelope and its `code` are
 * checked before). Anything not in the documented shape is a `bad-response` naming the field and
 * position, never echoing the value: the module never passes a raw provider value through.
 */

/** The balance key of international SMS, as the provider names it. */
export const INTERNATIONAL_SMS_BALANCE_KEY = '国际短信';

const MONEY = /^-?(\d+(\.\d*)?|\.\d+)$/;
const STATUS: Record<string, ChonrySmsReviewStatus> = { '1': 'pending', '2': 'approved', '3': 'rejected' };
const CATEGORY: Record<string, ChonrySmsTemplateCategory> = { '1': 'verification-code', '2': 'notice', '3': 'marketing' };
const ID = /^\d{1,40}$/;
const MOBILE = /^\d{1,20}$/;
const MAX_TEXT = 10_000;

export function badData(detail: string): ChonrySmsTransportError {
  return new ChonrySmsTransportError('bad-response', 'unknown', `the gateway answered code "0" but ${detail}`, 200);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string, or a finite number written as text; undefined for anything else. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A list `data`; an absent or null `data` counts as an empty list (undocumented either way). */
function list(data: unknown, what: string): unknown[] {
  if (data === undefined || data === null) return [];
  if (!Array.isArray(data)) throw badData(`its "data" is not a list of ${what}`);
  return data;
}

function entry(item: unknown, what: string, i: number): Record<string, unknown> {
  if (!isRecord(item)) throw badData(`${what}[${i}] is not an object`);
  return item;
}

function field(o: Record<string, unknown>, key: string, where: string, check: (s: string) => boolean): string {
  const v = text(o[key]);
  if (v === undefined || !check(v)) throw badData(`${where}.${key} is missing or not in the provider's format`);
  return v;
}

function optionalText(o: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || v.length > MAX_TEXT) throw badData(`${where}.${key} is not text`);
  return v;
}

function reviewStatus(o: Record<string, unknown>, where: string): ChonrySmsReviewStatus {
  return STATUS[field(o, 'applyStatus', where, (s) => s in STATUS)];
}

const someText = (s: string) => s !== '' && s.length <= MAX_TEXT;

/** `/query/account`: `data` is an object of product name → number or money-like string. */
export function parseBalance(data: unknown): ChonrySmsBalance {
  if (!isRecord(data)) throw badData('its "data" is not an object of balances');
  const entries: [string, number | string][] = [];
  for (const [key, value] of Object.entries(data)) {
    if (typeof value === 'number' ? !Number.isFinite(value) : typeof value !== 'string' || (value !== '' && !MONEY.test(value))) {
      throw badData(`the balance at position ${entries.length} is neither a number nor an amount`);
    }
    entries.push([key, value as number | string]);
  }
  // fromEntries defines own properties, so a key such as "__proto__" stays a plain key.
  const balances = Object.fromEntries(entries) as Record<string, number | string>;
  const intl = Object.hasOwn(balances, INTERNATIONAL_SMS_BALANCE_KEY) ? balances[INTERNATIONAL_SMS_BALANCE_KEY] : undefined;
  const internationalSms = intl === undefined ? undefined : intl === '' ? 0 : Number(intl);
  return internationalSms === undefined ? { balances } : { internationalSms, balances };
}

/** `/query/templatelist`: `[{templateId, template, applyStatus, categoryId, applyReply, …}]`. */
export function parseTemplates(data: unknown): ChonrySmsTemplate[] {
  return list(data, 'templates').map((item, i) => {
    const where = `templates[${i}]`;
    const o = entry(item, 'templates', i);
    const template: ChonrySmsTemplate = {
      templateId: field(o, 'templateId', where, (s) => ID.test(s)),
      text: field(o, 'template', where, someText),
      status: reviewStatus(o, where),
    };
    if (o.categoryId !== undefined && o.categoryId !== null && o.categoryId !== '') {
      template.category = CATEGORY[field(o, 'categoryId', where, (s) => s in CATEGORY)];
    }
    const reply = optionalText(o, 'applyReply', where);
    if (reply !== undefined) template.reply = reply;
    return template;
  });
}

/** `/query/signlist`: `[{signId, sign, applyStatus, applyReply}]`. */
export function parseSigns(data: unknown): ChonrySmsSign[] {
  return list(data, 'signs').map((item, i) => {
    const where = `signs[${i}]`;
    const o = entry(item, 'signs', i);
    const sign: ChonrySmsSign = {
      signId: field(o, 'signId', where, (s) => ID.test(s)),
      sign: field(o, 'sign', where, someText),
      status: reviewStatus(o, where),
    };
    const reply = optionalText(o, 'applyReply', where);
    if (reply !== undefined) sign.reply = reply;
    return sign;
  });
}

/** The outcome of reading one pulled batch: every well-formed report, and how many were not. */
export interface ParsedReports {
  reports: ChonrySmsDeliveryReport[];
  /** Positions of entries that were not in the provider's format. */
  malformed: number[];
}

/**
 * `/report/status`: `[{smUuid, deliverTime, mobile, deliverResult, batchId}]`. One bad entry does
 * not discard the others: the provider hands each report out only once.
 */
export function parseDeliveryReports(data: unknown, timeZone: string): ParsedReports {
  const reports: ChonrySmsDeliveryReport[] = [];
  const malformed: number[] = [];
  list(data, 'reports').forEach((item, i) => {
    try {
      reports.push(parseReport(entry(item, 'reports', i), `reports[${i}]`, timeZone));
    } catch {
      malformed.push(i);
    }
  });
  return { reports, malformed };
}

function parseReport(o: Record<string, unknown>, where: string, timeZone: string): ChonrySmsDeliveryReport {
  const smUuid = field(o, 'smUuid', where, (s) => s !== '' && s.length <= 200);
  const mobile = field(o, 'mobile', where, (s) => MOBILE.test(s));
  const result = field(o, 'deliverResult', where, (s) => s !== '' && s.length <= 100);
  const deliveredAt = parseProviderTime(field(o, 'deliverTime', where, (s) => s.length === 19), timeZone);
  if (!deliveredAt) throw badData(`${where}.deliverTime is not a yyyy-MM-dd HH:mm:ss time`);
  const report: ChonrySmsDeliveryReport = { smUuid, mobile, status: result === 'DELIVRD' ? 'delivered' : 'failed', result, deliveredAt };
  const batchId = o.batchId === undefined || o.batchId === null || o.batchId === '' ? undefined : field(o, 'batchId', where, (s) => s.length <= 200);
  if (batchId !== undefined) report.batchId = batchId;
  return report;
}
