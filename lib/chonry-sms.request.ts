import { ResolvedChonrySmsOptions, revealSecret } from './chonry-sms.options';
import { checkedField, ChonrySmsSendOptionsDto } from './dto';
import { encodeAccountForm, encodeSendForm, WireFields } from './transport/form-encoding';
import { MessageList, toProviderTime } from './validation';

/** The fields every send shares, with the module's defaults applied. */
export function commonWireFields(dto: ChonrySmsSendOptionsDto, options: ResolvedChonrySmsOptions): WireFields {
  return {
    sign: dto.sign ?? options.defaults.sign,
    templateId: dto.templateId ?? options.defaults.templateId,
    scheduleSendTime:
      dto.scheduleSendTime === undefined || dto.scheduleSendTime === null
        ? undefined
        : toProviderTime(dto.scheduleSendTime, options.timeZone),
    senderId: dto.senderId ?? options.defaults.senderId,
  };
}

/** The value a field check normalised (e.g. mobiles without duplicates), falling back to the raw one. */
export function normalizedField<T>(dto: object, property: string): T {
  return (checkedField<T>(dto, property)?.value ?? (dto as Record<string, unknown>)[property]) as T;
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
