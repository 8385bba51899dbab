import { ResolvedChonrySmsOptions, revealSecret } from './chonry-sms.options';
import { checkedField, ChonrySmsSendOptionsDto, hasCheckedFields } from './dto';
import { encodeAccountForm, encodeSendForm, WireFields } from './transport/form-encoding';
import { MessageList, toProviderTime } from './validation';

/** The fields every send shares as validation read them, without the module's defaults. */
export interface CheckedCommonFields {
  templateId?: string;
  sign?: string;
  senderId?: string;
  scheduleSendTime?: Date | string;
}

/** A validated DTO's shared fields as their checks read them (see `normalizedField`). */
export function checkedCommonFields(dto: ChonrySmsSendOptionsDto): CheckedCommonFields {
  return {
    templateId: normalizedField<string | undefined>(dto, 'templateId'),
    sign: normalizedField<string | undefined>(dto, 'sign'),
    senderId: normalizedField<string | undefined>(dto, 'senderId'),
    scheduleSendTime: normalizedField<Date | string | undefined>(dto, 'scheduleSendTime'),
  };
}

/** The fields every send shares, with the module's defaults applied. */
export function commonWireFields(dto: ChonrySmsSendOptionsDto, options: ResolvedChonrySmsOptions): WireFields {
  const checked = checkedCommonFields(dto);
  return {
    sign: checked.sign ?? options.defaults.sign,
    templateId: checked.templateId ?? options.defaults.templateId,
    scheduleSendTime: checked.scheduleSendTime === undefined ? undefined : toProviderTime(checked.scheduleSendTime, options.timeZone),
    senderId: checked.senderId ?? options.defaults.senderId,
  };
}

/**
 * The value a field's check read and normalised (e.g. mobiles without duplicates, variables copied).
 * Never a second read of the DTO, which a getter or Proxy could answer differently: on a validated
 * DTO a property no check recorded was skipped as optional (null or undefined), and reads as
 * undefined. Only a DTO none of the module's checks ran on gives its raw value.
 */
export function normalizedField<T>(dto: object, property: string): T {
  const checked = checkedField<T>(dto, property);
  if (checked) return checked.value;
  return (hasCheckedFields(dto) ? undefined : (dto as Record<string, unknown>)[property]) as T;
}

/**
 * A validated DTO's personalised messages as their check left them (a `MessageList`). Every class
 * `validateInput` accepts runs the module's messages check on `messages`, so the fallback (the raw
 * list, taken as it is) is there for a class that would not, as `normalizedField` falls back.
 */
export function checkedMessages(dto: object): MessageList {
  const value = normalizedField<unknown>(dto, 'messages');
  if (value instanceof MessageList) return value;
  return Array.isArray(value) ? MessageList.of(value as { mobile: string; variables: string[] }[]) : MessageList.EMPTY;
}

export function plainSendBody(
  options: ResolvedChonrySmsOptions,
  common: WireFields,
  mobiles: readonly string[],
  content: string,
  allocate?: (size: number) => Buffer,
): Buffer {
  const { credentials } = options;
  // Fields named one by one: an object spread here costs more than the rest of the encoding.
  return encodeSendForm(credentials.accessKey, revealSecret(credentials), {
    sign: common.sign,
    templateId: common.templateId,
    mobiles,
    content,
    scheduleSendTime: common.scheduleSendTime,
    senderId: common.senderId,
  }, allocate);
}

export function personalizedSendBody(
  options: ResolvedChonrySmsOptions,
  common: WireFields,
  messages: MessageList,
  allocate?: (size: number) => Buffer,
): Buffer {
  const { credentials } = options;
  return encodeSendForm(credentials.accessKey, revealSecret(credentials), {
    sign: common.sign,
    templateId: common.templateId,
    messages,
    scheduleSendTime: common.scheduleSendTime,
    senderId: common.senderId,
  }, allocate);
}

/** The body of every account endpoint's request: the credentials alone. */
export function accountBody(options: ResolvedChonrySmsOptions): Buffer {
  return encodeAccountForm(options.credentials.accessKey, revealSecret(options.credentials));
}
