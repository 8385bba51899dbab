import { checkedCommonFields, checkedMessages, normalizedField } from '../chonry-sms.request';
import { SendBulkSmsDto, SendPersonalizedBulkSmsDto, SendPersonalizedSmsDto, SendSmsDto, unreadableInput, validateInput } from '../dto';
import type { BulkItems } from '../bulk/bulk-runner';
import type { PersonalizedMessage } from '../validation';
import { isDate } from '../realm';

/** The fields every job of a campaign shares, as JSON (a `Date` schedule travels as ISO text). */
export interface CampaignCommon {
  templateId?: string;
  sign?: string;
  senderId?: string;
  scheduleSendTime?: string;
  scheduleIsDate?: boolean;
}

/** One job: one provider request's worth of a campaign. */
export interface CampaignJobData {
  campaignId: string;
  index: number;
  /** The account that sends it (`ChonrySmsModule.forRoot({ name })`); absent for the default account. */
  account?: string;
  common: CampaignCommon;
  mobiles?: string[];
  variables?: string[];
  messages?: PersonalizedMessage[];
}

/** A validated campaign, split into jobs of at most `size` recipients. */
export interface CampaignPlan {
  total: number;
  chunks: Omit<CampaignJobData, 'campaignId' | 'index'>[];
}

function chunk<C extends { readonly length: number }>(list: BulkItems<C>, size: number): C[] {
  const out: C[] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Whether `input` is a personalised send's; input that cannot even be asked is invalid input. */
function hasMessages(input: unknown): boolean {
  try {
    return typeof input === 'object' && input !== null && 'messages' in input;
  } catch {
    throw unreadableInput();
  }
}

/** Validates input of any size (bad input never enters the queue) and splits it per provider request. */
export function planCampaign(input: SendSmsDto | SendPersonalizedSmsDto, sizeOf: (personalized: boolean) => number): CampaignPlan {
  const personalized = hasMessages(input);
  const dto = personalized ? validateInput(SendPersonalizedBulkSmsDto, input) : validateInput(SendBulkSmsDto, input);
  const checked = checkedCommonFields(dto);
  const schedule = checked.scheduleSendTime;
  const common: CampaignCommon = {
    ...(checked.templateId !== undefined ? { templateId: checked.templateId } : {}),
    ...(checked.sign !== undefined ? { sign: checked.sign } : {}),
    ...(checked.senderId !== undefined ? { senderId: checked.senderId } : {}),
    ...(isDate(schedule) ? { scheduleSendTime: schedule.toISOString(), scheduleIsDate: true } : {}),
    ...(typeof schedule === 'string' ? { scheduleSendTime: schedule } : {}),
  };
  if (personalized) {
    const messages = checkedMessages(dto);
    // A job's JSON holds `{ mobile, variables }` objects, as it did before the compact form.
    return { total: messages.length, chunks: chunk(messages, sizeOf(true)).map((m) => ({ common, messages: m.toArray() })) };
  }
  const mobiles = normalizedField<string[]>(dto, 'mobiles');
  // The check's own copy: jobs are serialised after awaits, and the caller's array must not change what was validated.
  const variables = normalizedField<string[]>(dto, 'variables');
  return { total: mobiles.length, chunks: chunk(mobiles, sizeOf(false)).map((m) => ({ common, mobiles: m, variables })) };
}

/** The recipients a job carries. */
export function jobRecipients(data: CampaignJobData): string[] {
  return data.mobiles ?? (data.messages ?? []).map((m) => m.mobile);
}

/** The send input a job stands for, ready for `ChonrySmsService`. */
export function jobInput(data: CampaignJobData): SendSmsDto | SendPersonalizedSmsDto {
  const { scheduleIsDate, scheduleSendTime, ...rest } = data.common;
  const common = {
    ...rest,
    ...(scheduleSendTime !== undefined ? { scheduleSendTime: scheduleIsDate ? new Date(scheduleSendTime) : scheduleSendTime } : {}),
  };
  if (data.messages) return { ...common, messages: data.messages };
  return { ...common, mobiles: data.mobiles ?? [], variables: data.variables ?? [] };
}
